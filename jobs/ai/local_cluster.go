package ai

import (
	"context"
	"fmt"
	"strings"
)

// ClusterKeywords groups keywords by shared significant terms (lowercase words
// minus stopwords, plurals folded), greedily: the term shared by the most
// still-unassigned keywords (ties: alphabetical) forms a cluster of every
// unassigned keyword containing it, and so on while some term is shared by two
// or more. The cluster is named after the terms all its members share.
//
// Every keyword with at least one significant term ends up in exactly one
// cluster: those that share nothing get a single-keyword cluster named after
// their own terms, so the backlog always drains. Keywords with no significant
// term at all (only stopwords, digits of one character or punctuation) are
// left out of every cluster, as the Provider contract allows.
func (l *Local) ClusterKeywords(ctx context.Context, _ Site, kws []Keyword) ([]Cluster, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	return clusterByTerms(kws), nil
}

// maxNameTerms bounds a cluster name to a readable length.
const maxNameTerms = 3

func clusterByTerms(kws []Keyword) []Cluster {
	type entry struct {
		id    int64
		terms []term
		has   map[string]bool
	}
	var pending []entry
	seenID := map[int64]bool{}
	for _, k := range kws {
		ts := terms(k.Text)
		if len(ts) == 0 || seenID[k.ID] {
			continue
		}
		seenID[k.ID] = true
		has := make(map[string]bool, len(ts))
		for _, t := range ts {
			has[t.key] = true
		}
		pending = append(pending, entry{id: k.ID, terms: ts, has: has})
	}

	var clusters []Cluster
	used := map[string]bool{}
	add := func(name string, ids []int64) {
		clusters = append(clusters, Cluster{Name: uniqueName(name, used), KeywordIDs: ids})
	}

	for {
		counts := map[string]int{}
		for _, e := range pending {
			for _, t := range e.terms {
				counts[t.key]++
			}
		}
		best := ""
		for k, c := range counts {
			if c >= 2 && (best == "" || c > counts[best] || (c == counts[best] && k < best)) {
				best = k
			}
		}
		if best == "" {
			break
		}
		var members, rest []entry
		for _, e := range pending {
			if e.has[best] {
				members = append(members, e)
			} else {
				rest = append(rest, e)
			}
		}
		// Name: the terms every member shares, in the first member's word order.
		var words []string
		for _, t := range members[0].terms {
			shared := true
			for _, m := range members[1:] {
				if !m.has[t.key] {
					shared = false
					break
				}
			}
			if shared && len(words) < maxNameTerms {
				words = append(words, t.word)
			}
		}
		ids := make([]int64, len(members))
		for i, m := range members {
			ids[i] = m.id
		}
		add(titleCase(strings.Join(words, " ")), ids)
		pending = rest
	}

	for _, e := range pending {
		words := make([]string, 0, maxNameTerms)
		for _, t := range e.terms[:min(len(e.terms), maxNameTerms)] {
			words = append(words, t.word)
		}
		add(titleCase(strings.Join(words, " ")), []int64{e.id})
	}
	return clusters
}

// uniqueName returns name, or name with a number when it is already used.
func uniqueName(name string, used map[string]bool) string {
	n := name
	for i := 2; used[strings.ToLower(n)]; i++ {
		n = fmt.Sprintf("%s %d", name, i)
	}
	used[strings.ToLower(n)] = true
	return n
}
