package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

const consequence = "the goroutine and everything it references leak"

// diagnose decides whether a goroutine can block forever on cv.
func (w *walker) diagnose(fset *token.FileSet, cv *chanVar) (analysis.Diagnostic, bool) {
	if cv.escaped || cv.other || cv.closed {
		return analysis.Diagnostic{}, false
	}
	var goSends, goRecvs []op
	var mainSends, mainRecvs []token.Pos
	for _, o := range cv.ops {
		switch {
		case o.reg == nil && o.kind == opSend:
			mainSends = append(mainSends, o.pos)
		case o.reg == nil:
			mainRecvs = append(mainRecvs, o.pos)
		case o.kind == opSend:
			goSends = append(goSends, o)
		default:
			goRecvs = append(goRecvs, o)
		}
	}
	slices.Sort(mainSends)
	slices.Sort(mainRecvs)
	r := reporter{w: w, fset: fset, cv: cv}
	switch {
	case len(goSends) > 0 && len(goRecvs) == 0:
		return r.sender(goSends, mainRecvs)
	case len(goRecvs) > 0:
		return r.receiver(goRecvs, goSends, mainSends)
	}
	return analysis.Diagnostic{}, false
}

type reporter struct {
	w    *walker
	fset *token.FileSet
	cv   *chanVar
}

func (r reporter) line(p token.Pos) int { return r.fset.Position(p).Line }

func (r reporter) name() string { return r.cv.obj.Name() }

// sendBound is how many sends the goroutines make on one path, or
// unbounded.
func (r reporter) sendBound(sends []op) int {
	ps := make([]token.Pos, 0, len(sends))
	for _, o := range sends {
		ps = append(ps, o.pos)
	}
	slices.Sort(ps)
	k := counter{info: r.w.info, sends: ps, makePos: r.cv.make.Pos(), stops: r.w.stops, steps: r.w.steps}
	return k.total(r.w.body)
}

// recvBound is how many receives the function itself makes at most, or
// unbounded. It over-counts exclusive branches, which only hides findings.
func (r reporter) recvBound() int {
	n := 0
	for _, o := range r.cv.ops {
		switch {
		case o.reg != nil || o.kind == opSend:
		case o.kind == opRange:
			return unbounded
		default:
			n = add(n, multiplicity(r.w.info, o.loops, r.cv.make.Pos()))
		}
	}
	return n
}

// sender handles goroutines that send on the channel while the function
// itself is the only receiver.
func (r reporter) sender(sends []op, recvs []token.Pos) (analysis.Diagnostic, bool) {
	i := slices.IndexFunc(sends, func(o op) bool { return !o.guarded })
	// A buffer whose size is not a constant (make(chan T, n), len(xs)) is
	// usually sized for the senders, one per goroutine: a block cannot be
	// proved, so no sender is reported.
	if i < 0 || r.cv.capacity < 0 {
		return analysis.Diagnostic{}, false
	}
	send := sends[i]
	n := r.sendBound(sends)
	if n >= 0 && r.cv.capacity >= int64(n) {
		return analysis.Diagnostic{}, false
	}
	what := fmt.Sprintf("the goroutine's send at line %d", r.line(send.pos))
	var why string
	switch {
	case len(recvs) == 0:
		why = fmt.Sprintf("blocks forever: nothing receives from %s", r.name())
	case recvs[0] < send.reg.goStmt.Pos():
		// A receive before the go statement: a loop serves the goroutine
		// started by its previous iteration; not followed.
		return analysis.Diagnostic{}, false
	default:
		c := cover{info: r.w.info, serve: recvs, exits: r.w.exits, scope: r.cv.obj.Parent(), steps: r.w.steps}
		if lk := c.after(send.reg.anc); lk != nil {
			why = "blocks forever when " + r.describe(lk, "receiving from", recvs[0])
			break
		}
		m := r.recvBound()
		if m < 0 || (n >= 0 && int64(m)+r.cv.capacity >= int64(n)) {
			return analysis.Diagnostic{}, false
		}
		what = fmt.Sprintf("the goroutine's sends at line %d", r.line(send.pos))
		if r.manyGoroutines(sends) {
			what = fmt.Sprintf("the goroutines' sends at line %d", r.line(send.pos))
		}
		why = fmt.Sprintf("block forever once the function has received %s", values(m))
	}
	return r.senderDiagnostic(what, why, n), true
}

// manyGoroutines reports whether the sends come from more than one goroutine.
func (r reporter) manyGoroutines(sends []op) bool {
	for _, o := range sends {
		if o.reg != sends[0].reg || multiplicity(r.w.info, o.reg.loops, r.cv.make.Pos()) != 1 {
			return true
		}
	}
	return false
}

func values(n int) string {
	if n == 1 {
		return "one value"
	}
	return fmt.Sprintf("%d values", n)
}

func (r reporter) senderDiagnostic(what, why string, n int) analysis.Diagnostic {
	call := r.cv.make
	typ := typeText(call)
	subject := "unbuffered channel " + r.name()
	if r.cv.capacity > 0 {
		subject = fmt.Sprintf("channel %s (buffer %d)", r.name(), r.cv.capacity)
	}
	var advice string
	var fixes []analysis.SuggestedFix
	switch {
	case n == 1 && len(call.Args) == 1:
		advice = fmt.Sprintf("make the channel buffered: make(%s, 1)", typ)
		fixes = []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Give %s a buffer of 1", r.name()),
			TextEdits: []analysis.TextEdit{{Pos: call.Args[0].End(), End: call.Args[0].End(), NewText: []byte(", 1")}},
		}}
	case n > 0:
		advice = fmt.Sprintf("give the channel a buffer for every send: make(%s, %d)", typ, n)
	default:
		advice = "give the channel a buffer for every send, or let the senders select on ctx.Done()"
	}
	return analysis.Diagnostic{
		Pos:            call.Pos(),
		End:            call.End(),
		Message:        fmt.Sprintf("%s: %s %s; %s — %s", subject, what, why, consequence, advice),
		SuggestedFixes: fixes,
	}
}

// untilClosed reports whether a receive sits in a for loop without a
// condition that only a closed channel ends: the loop has no other way out,
// or the receive tests the channel with v, ok := <-ch.
func (r reporter) untilClosed(o op) bool {
	for _, l := range o.loops {
		if f, ok := l.(*ast.ForStmt); ok && f.Cond == nil {
			return o.commaOK || !hasExit(r.w.info, f.Body)
		}
	}
	return false
}

// receiver handles goroutines that receive from the channel.
func (r reporter) receiver(recvs, goSends []op, mainSends []token.Pos) (analysis.Diagnostic, bool) {
	for _, o := range recvs {
		if o.guarded || (o.kind != opRange && !r.untilClosed(o)) {
			continue
		}
		what := fmt.Sprintf("the goroutine's range at line %d", r.line(o.pos))
		if o.kind != opRange {
			what = fmt.Sprintf("the goroutine's receive loop at line %d", r.line(o.pos))
		}
		why := fmt.Sprintf("blocks forever: nothing closes %s", r.name())
		advice := fmt.Sprintf("close(%s) after the last send (defer close(%s) in the sender)", r.name(), r.name())
		return r.receiverDiagnostic(what, why, advice), true
	}
	i := slices.IndexFunc(recvs, func(o op) bool { return !o.guarded })
	if i < 0 || len(goSends) > 0 {
		return analysis.Diagnostic{}, false
	}
	recv := recvs[i]
	what := fmt.Sprintf("the goroutine's receive at line %d", r.line(recv.pos))
	advice := fmt.Sprintf("send to or close(%s) on every path (e.g. defer close(%s)), or let the goroutine select on ctx.Done()", r.name(), r.name())
	if len(mainSends) == 0 {
		why := fmt.Sprintf("blocks forever: nothing sends to or closes %s", r.name())
		return r.receiverDiagnostic(what, why, advice), true
	}
	if mainSends[0] < recv.reg.goStmt.Pos() {
		return analysis.Diagnostic{}, false
	}
	c := cover{info: r.w.info, serve: mainSends, exits: r.w.exits, scope: r.cv.obj.Parent(), steps: r.w.steps}
	lk := c.after(recv.reg.anc)
	if lk == nil {
		return analysis.Diagnostic{}, false
	}
	why := "blocks forever when " + r.describe(lk, "sending to", mainSends[0])
	return r.receiverDiagnostic(what, why, advice), true
}

func (r reporter) receiverDiagnostic(what, why, advice string) analysis.Diagnostic {
	return analysis.Diagnostic{
		Pos:     r.cv.make.Pos(),
		End:     r.cv.make.End(),
		Message: fmt.Sprintf("channel %s: %s %s; %s — %s", r.name(), what, why, consequence, advice),
	}
}

// describe names the select or return that abandons the goroutine. verb is
// "receiving from" or "sending to"; first is the first serving operation.
func (r reporter) describe(lk *leak, verb string, first token.Pos) string {
	if v := lk.via; v != nil {
		s := fmt.Sprintf("the select at line %d takes its %s case and ", r.line(v.sel.Pos()), r.commName(v.clause))
		switch {
		case lk.scopeEnd.IsValid():
			return s + fmt.Sprintf("%s goes out of scope at line %d", r.name(), r.line(lk.scopeEnd))
		case lk.ret == nil || (lk.ret.Pos() >= v.sel.Pos() && lk.ret.End() <= v.sel.End()):
			return s + "returns"
		}
		return s + fmt.Sprintf("the function returns at line %d", r.line(lk.ret.Pos()))
	}
	switch {
	case lk.ret != nil:
		return fmt.Sprintf("the function returns at line %d before %s %s", r.line(lk.ret.Pos()), verb, r.name())
	case lk.scopeEnd.IsValid():
		return fmt.Sprintf("%s goes out of scope at line %d without %s it (line %d is not reached on every path)", r.name(), r.line(lk.scopeEnd), verb, r.line(first))
	}
	return fmt.Sprintf("the function ends without %s %s (line %d is not reached on every path)", verb, r.name(), r.line(first))
}

// commName names a select case by what it waits for: "ctx.Done()",
// "time.After(d)", "default", "send to out".
func (r reporter) commName(cc *ast.CommClause) string {
	var s string
	switch c := cc.Comm.(type) {
	case nil:
		return "default"
	case *ast.SendStmt:
		s = "send to " + types.ExprString(c.Chan)
	case *ast.ExprStmt:
		s = recvOperand(c.X)
	case *ast.AssignStmt:
		if len(c.Rhs) == 1 {
			s = recvOperand(c.Rhs[0])
		}
	}
	if s == "" || len(s) > 48 || strings.ContainsAny(s, "\n") {
		return fmt.Sprintf("line %d", r.line(cc.Pos()))
	}
	return s
}

// recvOperand names the channel a receive waits on; "" when that is a
// function literal, which has no short name.
func recvOperand(e ast.Expr) string {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		e = ast.Unparen(u.X)
	}
	lit := false
	ast.Inspect(e, func(n ast.Node) bool {
		_, isLit := n.(*ast.FuncLit)
		lit = lit || isLit
		return !lit
	})
	if lit {
		return ""
	}
	return types.ExprString(e)
}

// typeText is the source text of the make's type argument, e.g. "chan T".
func typeText(call *ast.CallExpr) string { return types.ExprString(call.Args[0]) }
