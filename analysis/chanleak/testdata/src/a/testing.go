package a

import "testing"

// Negative: t.Fatal stops the test goroutine.
func testHelper(t *testing.T) {
	ch := make(chan int)
	go func() { ch <- work() }()
	if err := check(); err != nil {
		t.Fatal(err)
	}
	use(<-ch)
}
