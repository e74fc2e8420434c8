// Package dyncap holds channels whose buffer is not a constant: n
// goroutines each send once on make(chan T, n). The analyzer cannot prove
// that the buffer is too small, so it reports no sender leak.
package dyncap

import "errors"

func work() error { return nil }

// Negative: quic-go's shape, the capacity is a variable.
func fromVariable(numStreams int) error {
	n := numStreams * 2
	ch := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { ch <- work() }()
	}
	for i := 0; i < n; i++ {
		if err := <-ch; err != nil {
			return err
		}
	}
	return nil
}

// Negative: the capacity is a parameter.
func fromParam(numStreams int) error {
	ch := make(chan error, numStreams)
	for i := 0; i < numStreams; i++ {
		go func() { ch <- work() }()
	}
	for i := 0; i < numStreams; i++ {
		if err := <-ch; err != nil {
			return err
		}
	}
	return nil
}

// Negative: the capacity is len(x), one goroutine per element.
func fromLen(jobs []string) error {
	ch := make(chan error, len(jobs))
	for range jobs {
		go func() { ch <- work() }()
	}
	for range jobs {
		if err := <-ch; err != nil {
			return err
		}
	}
	return nil
}

// Negative: a single goroutine, unknown buffer, the function may return
// before receiving.
func earlyReturn(size int, ok bool) error {
	ch := make(chan error, size)
	go func() { ch <- work() }()
	if !ok {
		return errors.New("no")
	}
	return <-ch
}

// Negative: gitaly's shape, two goroutines and a variable holding 2.
func twoStreams() error {
	numStreams := 2
	errC := make(chan error, numStreams)
	go func() { errC <- work() }()
	go func() { errC <- work() }()
	for i := 0; i < numStreams; i++ {
		if err := <-errC; err != nil {
			return err
		}
	}
	return nil
}

// Negative: a variable capacity and a fixed number of goroutines.
func fixedLoop(size int) error {
	ch := make(chan error, size)
	for i := 0; i < 3; i++ {
		go func() { ch <- work() }()
	}
	for i := 0; i < 3; i++ {
		if err := <-ch; err != nil {
			return err
		}
	}
	return nil
}

// Positive (constant capacity unchanged): a buffer of 1 for 3 sends and
// a return before the receives.
func constantTooSmall(ok bool) error {
	ch := make(chan error, 1) // want `channel ch \(buffer 1\)`
	for i := 0; i < 3; i++ {
		go func() { ch <- work() }()
	}
	if !ok {
		return errors.New("no")
	}
	for i := 0; i < 3; i++ {
		<-ch
	}
	return nil
}

// Negative: the same with a variable capacity.
func variableEarly(n int, ok bool) error {
	ch := make(chan error, n)
	for i := 0; i < 3; i++ {
		go func() { ch <- work() }()
	}
	if !ok {
		return errors.New("no")
	}
	for i := 0; i < 3; i++ {
		<-ch
	}
	return nil
}

// Positive (constant capacity unchanged): a named constant buffer of 0.
const none = 0

func constantNone(ok bool) error {
	ch := make(chan error, none) // want `unbuffered channel ch`
	go func() { ch <- work() }()
	if !ok {
		return errors.New("no")
	}
	return <-ch
}
