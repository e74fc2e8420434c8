// Command vetjson summarises the output of `ginleak vet -json` (the tree of
// `go vet -json`: package → analyzer → diagnostics, or {"error": ...}) for
// bench/realworld.sh.
//
//	vetjson < out.json             "rule count" per analyzer, then "typecheck N"
//	                               (packages that could not be checked)
//	vetjson -broken < out.json     "package: error" per package not checked
//	vetjson -list RULE < out.json  "posn: message" per finding of RULE
//
// It reads at most 512 MiB and exits 1 when the input is not such a tree.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

const maxInput = 512 << 20

type diagnostic struct {
	Posn    string `json:"posn"`
	Message string `json:"message"`
}

func main() {
	broken := flag.Bool("broken", false, "list the packages that could not be checked")
	list := flag.String("list", "", "list the findings of one `rule`")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *broken, *list); err != nil {
		fmt.Fprintln(os.Stderr, "vetjson:", err)
		os.Exit(1)
	}
}

func run(r io.Reader, w io.Writer, broken bool, list string) error {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if len(data) > maxInput {
		return fmt.Errorf("input larger than %d MiB", maxInput>>20)
	}
	var tree map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &tree); err != nil {
		return fmt.Errorf("not the JSON of ginleak vet -json: %w", err)
	}
	counts := map[string]int{}
	var lines []string
	for pkg, byAnalyzer := range tree {
		for name, raw := range byAnalyzer {
			var diags []diagnostic
			if err := json.Unmarshal(raw, &diags); err != nil {
				var e struct {
					Error string `json:"error"`
				}
				if err := json.Unmarshal(raw, &e); err != nil {
					return fmt.Errorf("%s/%s: neither diagnostics nor an error: %w", pkg, name, err)
				}
				counts["typecheck"]++
				if broken {
					lines = append(lines, pkg+": "+strings.Join(strings.Fields(e.Error), " "))
				}
				continue
			}
			counts[name] += len(diags)
			if name == list {
				for _, d := range diags {
					lines = append(lines, d.Posn+": "+d.Message)
				}
			}
		}
	}
	if broken || list != "" {
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		return nil
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "%s %d\n", n, counts[n])
	}
	return nil
}
