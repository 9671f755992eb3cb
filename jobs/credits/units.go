package credits

// WordsPerArticleUnit is the length one content_generation unit buys: an
// article of up to 1,500 words. The default writing profile (600–1,200
// words) is one unit, as every article was before profiles had a length.
const WordsPerArticleUnit = 1500

// ArticleUnits is how many content_generation units one article costs when
// the writing profile allows up to maxWords words:
// ceil(maxWords / WordsPerArticleUnit), at least 1. The price follows the
// maximum, not the length written, because the hold is taken before the
// article exists.
func ArticleUnits(maxWords int) int64 {
	if maxWords <= WordsPerArticleUnit {
		return 1
	}
	return int64((maxWords + WordsPerArticleUnit - 1) / WordsPerArticleUnit)
}
