package credits

import "testing"

func TestArticleUnits(t *testing.T) {
	for _, tt := range []struct {
		max  int
		want int64
	}{
		{0, 1}, {400, 1}, {1200, 1}, {1500, 1}, {1501, 2}, {3000, 2}, {3001, 3}, {4500, 3}, {5000, 4},
	} {
		if got := ArticleUnits(tt.max); got != tt.want {
			t.Errorf("ArticleUnits(%d) = %d, want %d", tt.max, got, tt.want)
		}
	}
}
