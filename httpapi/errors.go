package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/scim"
)

// errorClass is how one kind of engine error is answered.
type errorClass struct {
	err      error
	status   int
	code11   string // SCIM 1.1: Okta's internal code
	scimType string // SCIM 2.0: RFC 7644 §3.12, "" for none
}

// errorClasses is the one table from engine errors to answers, for both protocol versions.
var errorClasses = []errorClass{
	{engine.ErrNotFound, http.StatusNotFound, scim.CodeNotFound, ""},
	{engine.ErrConflict, http.StatusConflict, scim.CodeConflict, "uniqueness"},
	{engine.ErrInvalidFilter, http.StatusBadRequest, scim.CodeBadFilter, "invalidFilter"},
	{engine.ErrInvalidPaging, http.StatusBadRequest, scim.CodeBadPaging, "invalidValue"},
	{engine.ErrInvalidValue, http.StatusBadRequest, scim.CodeBadBody, "invalidValue"},
	{engine.ErrNotSupported, http.StatusNotImplemented, scim.CodeNoEndpoint, ""},
	{engine.ErrPrecondition, http.StatusPreconditionFailed, scim.CodeConflict, ""},
	{engine.ErrUnavailable, http.StatusServiceUnavailable, scim.CodeUnavailable, ""},
	{engine.ErrDatabase, http.StatusInternalServerError, scim.CodeServer, ""},
}

// internalError answers anything that is not the engine's own error: a bug, whose text
// is logged and never sent.
var internalError = errorClass{status: http.StatusInternalServerError, code11: scim.CodeServer}

// answer classifies err for an error answer and logs what an operator must see: server
// faults, once per cause and interval. It returns the class and the error to show.
func (h *Handler) answer(r *http.Request, err error) (errorClass, error) {
	c := internalError
	for _, k := range errorClasses {
		if errors.Is(err, k.err) {
			c = k
			break
		}
	}
	if c.err == nil {
		h.log.ErrorContext(r.Context(), "unexpected error", "err", err.Error())
		err = fmt.Errorf("internal error; the request id is %s", RequestID(r.Context()))
	}
	if c.status >= 500 && c.status != http.StatusNotImplemented {
		h.logs.Error(r.Context(), strconv.Itoa(c.status)+" "+err.Error(), "request failed", "status", c.status, "err", err.Error())
	}
	return c, err
}
