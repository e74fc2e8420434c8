package soak

import (
	"context"
	"fmt"

	"github.com/ginleak/ginleak/fault"
)

// FaultReport is what one fault proxy of Config.Faults did during the run.
type FaultReport struct {
	Listen   string       `json:"listen"`
	Upstream string       `json:"upstream"`
	Seed     uint64       `json:"seed"`
	Config   fault.Config `json:"-"`
	Stats    fault.Stats  `json:"stats"`
}

// faultSet runs Config.Faults for the length of a soak: started before the
// target (a --run target may connect to its dependencies as it starts),
// closed on every path.
type faultSet struct{ proxies []*fault.Proxy }

func startFaults(ctx context.Context, cfgs []fault.Config, allowRemote bool) (*faultSet, error) {
	fs := &faultSet{}
	for _, c := range cfgs {
		c.AllowRemote = c.AllowRemote || allowRemote
		p, err := fault.Start(ctx, c)
		if err != nil {
			fs.close()
			return nil, fmt.Errorf("fault %s=%s: %w", c.Listen, c.Upstream, err)
		}
		fs.proxies = append(fs.proxies, p)
	}
	return fs, nil
}

func (fs *faultSet) close() {
	for _, p := range fs.proxies {
		p.Close()
	}
}

// report closes the proxies and returns what they did.
func (fs *faultSet) report(cfgs []fault.Config) []FaultReport {
	fs.close()
	var out []FaultReport
	for i, p := range fs.proxies {
		out = append(out, FaultReport{Listen: p.Addr(), Upstream: cfgs[i].Upstream, Seed: p.Seed(), Config: cfgs[i], Stats: p.Stats()})
	}
	return out
}
