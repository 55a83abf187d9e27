package httpapi

import (
	"context"
	"log/slog"
)

// LogHandler wraps h so that every record logged with a request's context carries that
// request's id, including the engine's debug lines, which know nothing of HTTP.
func LogHandler(h slog.Handler) slog.Handler { return &ctxHandler{h} }

type ctxHandler struct{ slog.Handler }

func (c *ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return c.Handler.Handle(ctx, r)
}

func (c *ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &ctxHandler{c.Handler.WithAttrs(as)}
}

func (c *ctxHandler) WithGroup(name string) slog.Handler {
	return &ctxHandler{c.Handler.WithGroup(name)}
}
