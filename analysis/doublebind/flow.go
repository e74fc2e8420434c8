package doublebind

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"golang.org/x/tools/go/cfg"
)

// flow answers "can control go from one read to another without the body
// being put back" over the control-flow graph of one function body.
type flow struct {
	info *types.Info
	at   map[*ast.CallExpr]where
	// scanned counts the graph nodes looked at by reaches: the work a
	// test can hold to linear growth without timing anything.
	scanned int
}

// where is a read's place in the graph: the block and the node holding it.
type where struct {
	block *cfg.Block
	node  int
}

// newFlow builds the graph of body and places each read in it. reads must
// be sorted by position: the reads inside a node are found by binary
// search, not by trying every read at every node (quadratic in a long
// function).
func newFlow(info *types.Info, body *ast.BlockStmt, reads []*read) *flow {
	g := cfg.New(body, mayReturn(info))
	f := &flow{info: info, at: make(map[*ast.CallExpr]where, len(reads))}
	for _, b := range g.Blocks {
		if !b.Live {
			continue
		}
		for i, n := range b.Nodes {
			start, end := n.Pos(), n.End()
			k, _ := slices.BinarySearchFunc(reads, start, func(r *read, p token.Pos) int { return cmp.Compare(r.call.Pos(), p) })
			for ; k < len(reads) && reads[k].call.Pos() < end; k++ {
				r := reads[k]
				if _, done := f.at[r.call]; !done && r.call.End() <= end {
					f.at[r.call] = where{b, i}
				}
			}
		}
	}
	return f
}

// reaches reports whether b can run after a on some path that does not
// restore a's request body in between. With a == b it asks whether the
// read runs again (a loop).
func (f *flow) reaches(a, b *read) bool {
	from, ok := f.at[a.call]
	if !ok {
		return false
	}
	to, ok := f.at[b.call]
	if !ok {
		return false
	}
	// The rest of a's block, from a's own node: a later read in the same
	// statement counts, and so does a restore that a is part of
	// (c.Request.Body = io.NopCloser(bytes.NewReader(read(c)))).
	if found, stop := f.scan(from.block, from.node, a.call.End(), to, b, a.req); found || stop {
		return found
	}
	seen := make(map[*cfg.Block]bool)
	queue := append([]*cfg.Block(nil), from.block.Succs...)
	for len(queue) > 0 {
		blk := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[blk] {
			continue
		}
		seen[blk] = true
		if found, stop := f.scan(blk, 0, token.NoPos, to, b, a.req); found {
			return true
		} else if !stop {
			queue = append(queue, blk.Succs...)
		}
	}
	return false
}

// scan walks blk's nodes from index i. found: the node of b is reached
// (b starting at or after pos); stop: a node restores req's body first.
func (f *flow) scan(blk *cfg.Block, i int, pos token.Pos, to where, b *read, req string) (found, stop bool) {
	for ; i < len(blk.Nodes); i++ {
		f.scanned++
		if blk == to.block && i == to.node && b.call.Pos() >= pos {
			return true, false
		}
		if f.restores(blk.Nodes[i], req) {
			return false, true
		}
	}
	return false, false
}

// restores reports whether n gives the request req a new body:
// req.Body = ..., or req = <a request other than req.WithContext/Clone>.
func (f *flow) restores(n ast.Node, req string) bool {
	as, ok := n.(*ast.AssignStmt)
	if !ok {
		return false
	}
	for i, lhs := range as.Lhs {
		lhs = ast.Unparen(lhs)
		if sel, ok := lhs.(*ast.SelectorExpr); ok && gintypes.IsRequestBody(f.info, sel) &&
			types.ExprString(ast.Unparen(sel.X)) == req {
			return true
		}
		if as.Tok != token.ASSIGN || !gintypes.IsRequest(f.info.TypeOf(lhs)) || types.ExprString(lhs) != req {
			continue
		}
		if len(as.Rhs) != len(as.Lhs) || !gintypes.SharesBody(f.info, as.Rhs[i]) {
			return true
		}
	}
	return false
}

// mayReturn tells the graph builder which calls never return: panic,
// os.Exit and log.Fatal*/Panic*.
func mayReturn(info *types.Info) func(*ast.CallExpr) bool {
	return func(call *ast.CallExpr) bool {
		if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && id.Name == "panic" {
			if _, builtin := info.Uses[id].(*types.Builtin); builtin {
				return false
			}
		}
		fn := gintypes.Callee(info, call)
		return !gintypes.IsFunc(fn, "os", "Exit") &&
			!gintypes.IsFunc(fn, "log", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln")
	}
}
