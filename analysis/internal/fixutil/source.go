package fixutil

import (
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"
)

// Source returns the file holding pos and its content, or false when it
// cannot be read or has changed since it was parsed: offsets into it would
// put an edit in the wrong place. It reads the file on every call; an
// analyzer that may fix many findings in one file uses Sources instead.
func Source(pass *analysis.Pass, pos token.Pos) (*token.File, []byte, bool) {
	return NewSources(pass).Source(pos)
}

// Sources reads the files a pass's fixes edit, each at most once. Without
// it an analyzer that suggests a fix per finding reads the whole file once
// per finding: minutes for a large generated file with thousands of them.
// Make one in the analyzer's run and let it go with the pass, so nothing
// is kept after the pass; it is not safe for concurrent use.
type Sources struct {
	pass  *analysis.Pass
	files map[*token.File]source
}

// source is one file's content, or ok false when it could not be read or
// has changed since it was parsed (remembered too: the answer would not
// change within the pass).
type source struct {
	src []byte
	ok  bool
}

// NewSources returns an empty cache of pass's files.
func NewSources(pass *analysis.Pass) *Sources {
	return &Sources{pass: pass, files: make(map[*token.File]source)}
}

// Source is Source(pass, pos), reading each file once. The content is
// shared between calls: callers must not modify it.
func (s *Sources) Source(pos token.Pos) (*token.File, []byte, bool) {
	tf := s.pass.Fset.File(pos)
	if tf == nil {
		return nil, nil, false
	}
	c, seen := s.files[tf]
	if !seen {
		src, err := s.pass.ReadFile(tf.Name())
		c = source{src: src, ok: err == nil && tf.Size() == len(src)}
		if !c.ok {
			c.src = nil
		}
		s.files[tf] = c
	}
	if !c.ok {
		return nil, nil, false
	}
	return tf, c.src, true
}

// FileOf returns the syntax tree of the pass's file holding pos, or nil.
func FileOf(pass *analysis.Pass, pos token.Pos) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}
