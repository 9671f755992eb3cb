//go:build ignore

// vulncheck reads govulncheck's JSON stream on stdin and fails when the code
// calls a vulnerable function, except for the vulnerabilities accepted in
// the file named by its argument (one "ID  why" per line, # comments).
//
//	go tool govulncheck -db file://… -format json ./... | go run .ci/vulncheck.go .ci/vulncheck-accepted
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type message struct {
	Config *struct {
		ScannerName string `json:"scanner_name"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV   string `json:"osv"`
		Fixed string `json:"fixed_version"`
		Trace []struct {
			Module   string `json:"module"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

func main() {
	accepted, err := readAccepted(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
	summaries, called := map[string]string{}, map[string]string{}
	scanned := false
	dec := json.NewDecoder(os.Stdin)
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulncheck: reading govulncheck's output:", err)
			os.Exit(2)
		}
		scanned = scanned || m.Config != nil
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		if f := m.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			t := f.Trace[0]
			called[f.OSV] = fmt.Sprintf("%s %s.%s (fixed in %s)", t.Module, t.Package, t.Function, orNone(f.Fixed))
		}
	}
	if !scanned {
		fmt.Fprintln(os.Stderr, "vulncheck: govulncheck produced no scan (see its error above)")
		os.Exit(2)
	}
	var ids []string
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	failed := 0
	for _, id := range ids {
		if why, ok := accepted[id]; ok {
			fmt.Printf("accepted  %s %s: %s\n", id, summaries[id], why)
			continue
		}
		failed++
		fmt.Printf("CALLED    %s %s: %s\n", id, summaries[id], called[id])
	}
	fmt.Printf("vulncheck: %d vulnerabilities called, %d accepted, %d to fix\n", len(ids), len(ids)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func readAccepted(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " ")
		if strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("%s: %s is accepted without a reason", path, id)
		}
		out[id] = strings.TrimSpace(why)
	}
	return out, sc.Err()
}

func orNone(s string) string {
	if s == "" {
		return "no fixed version"
	}
	return s
}
