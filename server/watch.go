package server

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch reloads when any file the mapping is built from changes, until ctx ends. It
// watches the files' directories, not the files: editors and config-management tools
// replace a file by renaming a new one over it, and Kubernetes swaps a ..data symlink,
// which a watch on the old inode would miss. Bursts of events are debounced.
func (s *Server) Watch(ctx context.Context, debounce time.Duration) error {
	if debounce <= 0 {
		debounce = 300 * time.Millisecond
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	watched := map[string]bool{}
	sources := map[string]bool{}
	sync := func() {
		sources = map[string]bool{}
		for _, p := range s.Mapping().Sources {
			sources[filepath.Clean(p)] = true
			dir := filepath.Dir(p)
			if !watched[dir] {
				if err := w.Add(dir); err != nil {
					s.log.Warn("cannot watch a mapping directory; reload with SIGHUP instead", "dir", dir, "err", err.Error())
					continue
				}
				watched[dir] = true
			}
		}
	}
	sync()
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			name := filepath.Clean(ev.Name)
			if !sources[name] && !strings.HasPrefix(filepath.Base(name), "..") {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("file watcher", "err", err.Error())
		case <-fire:
			fire = nil
			s.Reload(ctx, "file change")
			sync() // the mapping may now name other files
		}
	}
}
