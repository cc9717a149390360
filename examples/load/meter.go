package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"
)

// meter measures what one process spends over the work window: begin before the users start, end after the last
// action.
type meter interface {
	begin(ctx context.Context) error
	end(ctx context.Context) (usage, error)
}

// usage is what a process spent over the work window.
type usage struct {
	Label          string        `json:"label"`
	Short          string        `json:"short"` // the label in a few words
	User           time.Duration `json:"user"`
	Sys            time.Duration `json:"sys"`
	CPUs           int           `json:"cpus"`
	GCs            uint32        `json:"gcs"`
	PeakHeap       uint64        `json:"peakHeap"`
	PeakGoroutines int           `json:"peakGoroutines"`
	// Others are further processes' figures, reported after this one's (the driver beside a host process).
	Others []usage `json:"others,omitempty"`
}

// report writes the CPU and memory figures and, for the first process, the actions per CPU-second.
func (u usage) report(w io.Writer, window time.Duration, actions int) {
	cpu := u.User + u.Sys
	fmt.Fprintf(w, "%s: CPU %s user + %s system over %s (%.0f%% of %d CPUs), %d GCs, peak heap %.1f MiB, peak goroutines %d\n",
		u.Label, u.User.Round(time.Millisecond), u.Sys.Round(time.Millisecond), window.Round(time.Millisecond),
		100*float64(cpu)/float64(window)/float64(max(u.CPUs, 1)), u.CPUs, u.GCs, float64(u.PeakHeap)/(1<<20), u.PeakGoroutines)
	if cpu > 0 {
		fmt.Fprintf(w, "actions per CPU-second of the %s: %.0f\n", u.Short, float64(actions)/cpu.Seconds())
	}
	for _, o := range u.Others {
		fmt.Fprintf(w, "%s: CPU %s user + %s system (not counted above)\n", o.Label, o.User.Round(time.Millisecond),
			o.Sys.Round(time.Millisecond))
	}
}

// selfMeter measures this process, and writes a CPU profile of the window when profile names a file.
type selfMeter struct {
	label, short, profile string

	cancel func()
	pk     *peaks
	prof   *os.File
	u0, s0 time.Duration
	gc0    uint32
}

func newSelfMeter(label, short, profile string) *selfMeter {
	return &selfMeter{label: label, short: short, profile: profile}
}

func (m *selfMeter) begin(context.Context) error {
	if m.profile != "" {
		f, err := os.Create(m.profile)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return fmt.Errorf("load: %w", err)
		}
		m.prof = f
	}
	var ctx context.Context
	ctx, m.cancel = context.WithCancel(context.Background())
	m.pk = watchPeaks(ctx)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.gc0 = ms.NumGC
	m.u0, m.s0 = cpuTime()
	return nil
}

func (m *selfMeter) end(context.Context) (usage, error) {
	u1, s1 := cpuTime()
	m.cancel()
	<-m.pk.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if m.prof != nil {
		pprof.StopCPUProfile()
		if err := m.prof.Close(); err != nil {
			return usage{}, fmt.Errorf("load: %w", err)
		}
		m.prof = nil
	}
	return usage{Label: m.label, Short: m.short, User: u1 - m.u0, Sys: s1 - m.s0, CPUs: runtime.NumCPU(), GCs: ms.NumGC - m.gc0,
		PeakHeap: m.pk.heap, PeakGoroutines: m.pk.goroutines}, nil
}

// cpuTime is the CPU time this process has used.
func cpuTime() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// peaks samples the heap in use and the goroutines every 10 ms until ctx ends.
type peaks struct {
	heap       uint64
	goroutines int
	done       chan struct{}
}

func watchPeaks(ctx context.Context) *peaks {
	p := &peaks{done: make(chan struct{})}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/sched/goroutines:goroutines"}}
	go func() {
		defer close(p.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			p.heap = max(p.heap, s[0].Value.Uint64()+s[1].Value.Uint64())
			p.goroutines = max(p.goroutines, int(s[2].Value.Uint64()))
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}
