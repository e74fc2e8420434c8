package profdiff

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/google/pprof/profile"

	"github.com/ginleak/ginleak/internal/limitio"
)

// Limits of ReadHeapProfile. A profile comes from the service under test,
// which may be broken or hostile: a 1 MB gzip stream can expand to
// gigabytes, and a few megabytes of protobuf can decode to gigabytes of
// Go structures. These bounds keep a read under about 200 MB of memory
// whatever the service sends, and are far above what real heap profiles
// need (a few MB, tens with GODEBUG=memprofilerate=4096).
const (
	// MaxHeapProfileBytes bounds a heap profile as sent (compressed) and
	// after decompression.
	MaxHeapProfileBytes = 64 << 20
	// MaxHeapProfileCost bounds the estimated memory needed to decode a
	// heap profile (see decodeCost).
	MaxHeapProfileCost = 128 << 20
)

// ErrTooLarge is wrapped by the errors of reads that hit a size bound.
var ErrTooLarge = errors.New("too large")

// ReadHeapProfile reads a heap profile in the protobuf format served by
// /debug/pprof/heap (gzip-compressed or not) from r, within
// MaxHeapProfileBytes compressed and decompressed and MaxHeapProfileCost
// of decoding memory. Unlike profile.Parse it never falls back to the
// legacy text formats, whose parsers split the whole input into lines and
// would let a large garbage body cost gigabytes.
func ReadHeapProfile(r io.Reader) (*profile.Profile, error) {
	return readHeapProfile(r, MaxHeapProfileBytes, MaxHeapProfileCost)
}

func readHeapProfile(r io.Reader, maxBytes, maxCost int64) (*profile.Profile, error) {
	br := bufio.NewReader(newLimitedReader(r, maxBytes, "the heap profile as sent"))
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("decompress heap profile: %w", err)
		}
		defer gz.Close()
		src = newLimitedReader(gz, maxBytes, "the decompressed heap profile")
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(src); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("read heap profile: %w", err)
	}
	data := buf.Bytes()
	if len(data) == 0 {
		return nil, errors.New("empty heap profile")
	}
	cost, err := decodeCost(data)
	if err != nil {
		return nil, fmt.Errorf("not a protobuf heap profile (%w): does the URL serve /debug/pprof/heap?", err)
	}
	if cost > maxCost {
		return nil, fmt.Errorf("the heap profile would take about %s to decode, more than the limit of %s: %w",
			Size(cost), Size(maxCost), ErrTooLarge)
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return nil, fmt.Errorf("parse heap profile: %w", err)
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("malformed heap profile: %w", err)
	}
	return p, nil
}

// limitedReader is io.LimitReader that fails with ErrTooLarge instead of
// ending quietly, so a truncated profile is never taken for a whole one.
type limitedReader struct {
	r    io.Reader
	n    int64 // bytes still allowed
	max  int64
	what string
}

func newLimitedReader(r io.Reader, n int64, what string) *limitedReader {
	return &limitedReader{r: r, n: n, max: n, what: what}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One more byte tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s is larger than %s: %w", l.what, Size(l.max), ErrTooLarge)
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Estimated bytes of Go memory profile.ParseUncompressed allocates per
// element of a profile, with room for allocator rounding and the lookup
// maps it builds. Measured on crafted profiles (see TestDecodeCostBound)
// and rounded up.
const (
	costSample     = 320
	costLocationID = 32
	costValue      = 16
	costLabel      = 512
	costLocation   = 256
	costLine       = 96
	costFunction   = 256
	costMapping    = 384
	costString     = 48 // plus its length
	costValueType  = 96
	costScalar     = 16
)

// decodeCost walks the protobuf wire format of a profile.proto Profile
// without decoding it, checks that it is well formed, and estimates the
// memory decoding it takes.
func decodeCost(b []byte) (int64, error) {
	var cost int64
	err := walk(b, func(field int, wire int, payload []byte) error {
		switch {
		case wire != 2:
			cost += costScalar
		case field == 1 || field == 11: // sample_type, period_type
			cost += costValueType
		case field == 2: // sample
			c, err := sampleCost(payload)
			if err != nil {
				return fmt.Errorf("sample: %w", err)
			}
			cost += c
		case field == 3: // mapping
			cost += costMapping
		case field == 4: // location
			c, err := locationCost(payload)
			if err != nil {
				return fmt.Errorf("location: %w", err)
			}
			cost += c
		case field == 5: // function
			cost += costFunction
		case field == 6: // string_table
			cost += costString + int64(len(payload))
		default: // packed comments and the like
			cost += costValue * int64(countVarints(payload))
		}
		return nil
	})
	return cost, err
}

func sampleCost(b []byte) (int64, error) {
	cost := int64(costSample)
	err := walk(b, func(field int, wire int, payload []byte) error {
		switch {
		case field == 1 && wire == 2: // packed location_id
			cost += costLocationID * int64(countVarints(payload))
		case field == 1:
			cost += costLocationID
		case field == 2 && wire == 2: // packed value
			cost += costValue * int64(countVarints(payload))
		case field == 2:
			cost += costValue
		case field == 3:
			cost += costLabel
		default:
			cost += costScalar
		}
		return nil
	})
	return cost, err
}

func locationCost(b []byte) (int64, error) {
	cost := int64(costLocation)
	err := walk(b, func(field int, wire int, payload []byte) error {
		if field == 4 && wire == 2 {
			cost += costLine
		} else {
			cost += costScalar
		}
		return nil
	})
	return cost, err
}

// countVarints counts the varints of a packed repeated field: the bytes
// that end one (high bit clear).
func countVarints(b []byte) int {
	n := 0
	for _, c := range b {
		if c < 0x80 {
			n++
		}
	}
	return n
}

// walk calls f for each field of the protobuf message b, with the payload
// of length-delimited fields. It fails on malformed input and on the
// deprecated group wire types, which profile.proto does not use.
func walk(b []byte, f func(field, wire int, payload []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		if field == 0 {
			return errors.New("field number 0")
		}
		var payload []byte
		switch wire {
		case 0:
			_, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("truncated fixed64")
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errors.New("truncated fixed32")
			}
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errors.New("bad length")
			}
			payload = b[n : n+int(l)]
			b = b[n+int(l):]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
		if err := f(field, wire, payload); err != nil {
			return err
		}
	}
	return nil
}

// Size formats a byte count for messages: "64 MiB", "12 KiB", "300 B".
func Size(n int64) string { return limitio.Size(n) }
