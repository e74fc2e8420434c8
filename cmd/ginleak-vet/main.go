// Command ginleak-vet runs the ginleak rules under go vet:
//
//	go install github.com/ginleak/ginleak/cmd/ginleak-vet
//	go vet -vettool=$(command -v ginleak-vet) ./...
//
// go vet hands it one package at a time (unitchecker); flags such as
// -ctxescape=false turn single rules off.
package main

import (
	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/ginleak/ginleak/analysis/suppress"
	"golang.org/x/tools/go/analysis/unitchecker"
)

func main() {
	rules := registry.Rules()
	unitchecker.Main(append(registry.Analyzers(rules), suppress.New(rules, rules))...)
}
