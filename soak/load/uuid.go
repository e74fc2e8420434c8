package load

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// uuids makes the random (version 4) UUIDs that replace {{uuid}}. Each
// sender has its own ChaCha8 stream, seeded from crypto/rand, so a UUID
// costs no lock, no system call and no allocation; ChaCha8 is a
// cryptographically strong generator, so they are as unpredictable as
// crypto/rand's.
type uuids struct{ r *rand.ChaCha8 }

func newUUIDs() *uuids {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails (crypto/rand's contract since Go 1.24)
	return &uuids{r: rand.NewChaCha8(seed)}
}

// next returns a new UUID (RFC 9562 version 4).
func (g *uuids) next() [16]byte {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], g.r.Uint64())
	binary.LittleEndian.PutUint64(u[8:], g.r.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	return u
}
