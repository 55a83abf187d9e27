package bench

import (
	"math"
	"slices"
	"time"
)

// Latencies keeps every sample. A ten-second run at 10,000 requests a second is 100,000
// samples, 800 kB: small enough that the percentiles can be exact instead of bucketed.
type Latencies []time.Duration

// Summary is the distribution of a set of samples, in milliseconds.
type Summary struct {
	Count int     `json:"count"`
	Mean  float64 `json:"meanMs"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// Summarize sorts l and returns its distribution. Percentiles are nearest-rank: p99 of
// 100 samples is the 99th smallest, never an interpolation between two samples.
func (l Latencies) Summarize() Summary {
	if len(l) == 0 {
		return Summary{}
	}
	slices.Sort(l)
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	return Summary{
		Count: len(l),
		Mean:  ms(sum / time.Duration(len(l))),
		P50:   ms(l.Percentile(50)),
		P90:   ms(l.Percentile(90)),
		P99:   ms(l.Percentile(99)),
		Max:   ms(l[len(l)-1]),
	}
}

// Percentile returns the nearest-rank p-th percentile of sorted samples.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(l))))
	rank = max(1, min(rank, len(l)))
	return l[rank-1]
}

// Median returns the median of a copy of l (l is left in its order).
func (l Latencies) Median() time.Duration {
	c := slices.Clone(l)
	slices.Sort(c)
	return c.Percentile(50)
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000
}
