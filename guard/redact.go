package guard

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file decides which header and query parameter names hold secrets
// (by their words, not their exact spelling) and removes secret values
// from the text of an access log record, wherever and however encoded
// they reappear.

// secretWord reports whether w, one lower-case word of a name, marks the
// name as holding a secret. Whole words only: "keyword", "monkey",
// "passage", "author" and "possession" are not secrets, while "pass",
// "key" and "session" are, although "sort_key" or "pass_count" then lose
// their values in the log too — a value logged as [REDACTED] costs less
// than a secret in a log. A trailing "s" is ignored ("tokens", "keys").
func secretWord(w []byte) bool {
	stem := w // without a plural "s"
	if len(w) > 3 && w[len(w)-1] == 's' {
		stem = w[:len(w)-1]
	}
	if secretWordExact(w) || secretWordExact(stem) {
		return true
	}
	// Compounds written without a separator or a case change
	// ("accesstoken", "clientsecret", "jsessionid"): only the words
	// that no innocent word ends with.
	for _, suf := range [...]string{"token", "secret", "password", "passwd", "passphrase", "signature", "credential", "apikey", "sessionid", "sessid", "cookie"} {
		if len(stem) > len(suf) && string(stem[len(stem)-len(suf):]) == suf {
			return true
		}
	}
	return false
}

func secretWordExact(w []byte) bool {
	switch string(w) { // no allocation: the compiler compares in place
	case "token", "secret", "password", "passwd", "pass", "passphrase", "pwd",
		"auth", "authorization", "bearer", "jwt",
		"session", "sessionid", "sessid", "sid",
		"signature", "sig", "hmac",
		"key", "apikey", "privatekey",
		"credential", "cred", "creds",
		"cookie", "private", "csrf", "xsrf", "otp":
		return true
	}
	return false
}

// nextWord returns the bounds of the first word of name at or after
// byte i, or ok false when there is none. Words are the runs of letters
// and digits, also split where an ASCII lower-case letter or digit meets
// an upper-case one: "accessToken", "X-Amz-Signature", "user[password]",
// "token[]" and "AWSAccessKeyId" give access/token, X/Amz/Signature,
// user/password, token and AWSAccess/Key/Id.
func nextWord(name string, i int) (start, end int, ok bool) {
	start = -1
	var prev rune
	for j, r := range name[i:] {
		j += i
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case start < 0 && word:
			start = j
		case start >= 0 && !word:
			return start, j, true
		case start >= 0 && 'A' <= r && r <= 'Z' && ('a' <= prev && prev <= 'z' || '0' <= prev && prev <= '9'):
			return start, j, true
		}
		prev = r
	}
	if start < 0 {
		return 0, 0, false
	}
	return start, len(name), true
}

// lowerInto returns s in lower case, in buf when s is ASCII and fits, so
// that comparing it allocates nothing.
func lowerInto(buf []byte, s string) []byte {
	if len(s) > cap(buf) {
		return []byte(strings.ToLower(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return []byte(strings.ToLower(s))
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// joinedWords returns the lower-case words of name joined by single
// spaces.
func joinedWords(name string) string {
	var b strings.Builder
	for i := 0; ; {
		start, end, ok := nextWord(name, i)
		if !ok {
			return b.String()
		}
		i = end
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToLower(name[start:end]))
	}
}

// secretNames is a set of names whose values are secrets: every name with
// a secret word (secretWord), the defaults of its kind, and names added
// by the user.
type secretNames struct {
	query bool                // query parameters: also "code"
	exact map[string]struct{} // user names, lower case, trimmed
	words map[string]struct{} // user names of one word: match as a word
	seqs  map[string]struct{} // user names of several words, joined
}

func newSecretNames(query bool, user []string) *secretNames {
	n := &secretNames{query: query, exact: map[string]struct{}{}, words: map[string]struct{}{}, seqs: map[string]struct{}{}}
	for _, name := range user {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		n.exact[strings.ToLower(name)] = struct{}{}
		switch j := joinedWords(name); {
		case j == "":
		case !strings.Contains(j, " "):
			n.words[j] = struct{}{}
		default:
			n.seqs[j] = struct{}{}
		}
	}
	return n
}

// match reports whether the value of name is a secret. Without names
// of several words added by the user it allocates nothing for ASCII
// names.
func (n *secretNames) match(name string) bool {
	var buf [64]byte
	words, onlyCode := 0, false
	for i := 0; ; {
		start, end, ok := nextWord(name, i)
		if !ok {
			break
		}
		i = end
		w := lowerInto(buf[:0], name[start:end])
		if secretWord(w) {
			return true
		}
		if _, ok := n.words[string(w)]; ok {
			return true
		}
		words++
		onlyCode = words == 1 && string(w) == "code"
	}
	// OAuth's authorization code: secret as a whole query parameter
	// name only, where "zip_code" or "error_code" are not.
	if n.query && onlyCode {
		return true
	}
	if len(n.exact) > 0 {
		if _, ok := n.exact[strings.ToLower(strings.TrimSpace(name))]; ok {
			return true
		}
	}
	if len(n.seqs) > 0 {
		if _, ok := n.seqs[joinedWords(name)]; ok {
			return true
		}
	}
	return false
}

// maxSecrets bounds the secret values of one request that AccessLog
// scrubs one by one: scrubbing costs a search per secret and field, and a
// request with thousands of secret parameters would make logging it cost
// what an attacker wants.
const maxSecrets = 32

// newScrubber returns the function that removes secrets from each field
// of a record: scrub with them, or, for a request with more than
// maxSecrets of them, Redacted in place of any non-empty field.
func newScrubber(secrets []string) func(string) string {
	switch {
	case len(secrets) == 0:
		return func(s string) string { return s }
	case len(secrets) > maxSecrets:
		return func(s string) string {
			if s == "" {
				return s
			}
			return Redacted
		}
	}
	return func(s string) string { return scrub(s, secrets) }
}

// scrub replaces every occurrence of a secret in s by Redacted: as is,
// percent-decoded ("%2F" for "/"), and form-decoded ("+" for a space), so
// that a header's token is also found in a query or a Referer that carries
// it escaped. Secrets shorter than minSecretLen are replaced only where
// they stand alone as a word, so that "42" does not vanish from every
// number in the record. Replacing can, in theory, form a new occurrence
// across the edge of Redacted; a few more passes remove it.
func scrub(s string, secrets []string) string {
	if s == "" || len(secrets) == 0 {
		return s
	}
	for range 3 {
		out, changed := scrubOnce(s, secrets)
		if !changed {
			break
		}
		s = out
	}
	return s
}

func scrubOnce(s string, secrets []string) (string, bool) {
	var mask []bool // bytes of s to replace, allocated on the first hit
	mark := func(from, to int) {
		if mask == nil {
			mask = make([]bool, len(s))
		}
		for i := from; i < to; i++ {
			mask[i] = true
		}
	}
	// As is.
	for _, sec := range secrets {
		findSecret(s, sec, func(i int) { mark(i, i+len(sec)) })
	}
	// Decoded: at[i] is the offset in s of the i-th decoded byte.
	if strings.ContainsAny(s, "%+") && len(s) <= math.MaxInt32 {
		for _, plus := range []bool{false, true} {
			dec, at := decodeEscapes(s, plus)
			if dec == s {
				continue
			}
			for _, sec := range secrets {
				findSecret(dec, sec, func(i int) {
					end := len(s)
					if j := i + len(sec); j < len(at) {
						end = int(at[j])
					}
					mark(int(at[i]), end)
				})
			}
		}
	}
	if mask == nil {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !mask[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(Redacted)
		for i < len(s) && mask[i] {
			i++
		}
	}
	return b.String(), true
}

// findSecret calls hit with the offset of every occurrence of sec in s
// that counts: any for a long secret, whole words for a short one.
func findSecret(s, sec string, hit func(int)) {
	if sec == "" || len(sec) > len(s) {
		return
	}
	short := len(sec) < minSecretLen
	for off := 0; off <= len(s)-len(sec); {
		i := strings.Index(s[off:], sec)
		if i < 0 {
			return
		}
		i += off
		if !short || wordBoundary(s, i, i+len(sec)) {
			hit(i)
			off = i + len(sec)
		} else {
			off = i + 1
		}
	}
}

// wordBoundary reports whether s[from:to] is not preceded or followed by
// a letter or digit.
func wordBoundary(s string, from, to int) bool {
	if from > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:from]); isWordRune(r) {
			return false
		}
	}
	if to < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[to:]); isWordRune(r) {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// decodeEscapes returns s with its %XX escapes decoded (and "+" as a space
// when plus), and the offset in s where each byte of the result starts.
// Malformed escapes stay as they are.
func decodeEscapes(s string, plus bool) (string, []int32) {
	dec := make([]byte, 0, len(s))
	at := make([]int32, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dec = append(dec, unhex(s[i+1])<<4|unhex(s[i+2]))
			at = append(at, int32(i))
			i += 3
			continue
		case c == '+' && plus:
			c = ' '
		}
		dec = append(dec, c)
		at = append(at, int32(i))
		i++
	}
	return string(dec), at
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// usableSecret reports whether v is worth scrubbing from the other fields
// of a record: any value of minSecretLen bytes or more, and shorter ones
// with a letter or digit (a lone "=" or quote is not a secret, and would
// match the punctuation of every record).
func usableSecret(v string) bool {
	if len(v) >= minSecretLen {
		return true
	}
	for _, r := range v {
		if isWordRune(r) {
			return true
		}
	}
	return false
}
