package httpapi

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/scim"
)

func (h *Handler) serviceProviderConfigs(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	h.writeJSON(w, http.StatusOK, scim.ServiceProviderConfigs11(engine.Enabled(st.eng.Capabilities()), st.eng.MaxPageSize(), h.authSchemes(st)))
}

func (h *Handler) getUsers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	q, err := query(r)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	page, err := st.eng.GetUsers(r.Context(), q)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	res := make([]any, len(page.Users))
	for i, u := range page.Users {
		res[i] = st.codec.EncodeUser11(u)
	}
	h.writeJSON(w, http.StatusOK, scim.List11(page.Total, page.StartIndex, res))
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	u, err := st.eng.GetUser(r.Context(), idParam(ps))
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	h.writeJSON(w, http.StatusOK, st.codec.EncodeUser11(u))
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	doc, ok := h.decode(w, r)
	if !ok {
		return
	}
	in, err := st.codec.DecodeUser(doc)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	u, err := st.eng.CreateUser(r.Context(), in)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	h.writeJSON(w, http.StatusCreated, st.codec.EncodeUser11(u))
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	doc, ok := h.decode(w, r)
	if !ok {
		return
	}
	in, err := st.codec.DecodeUser(doc)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	u, err := st.eng.UpdateUser(r.Context(), idParam(ps), in)
	if err != nil {
		h.fail(w, r, err, "user")
		return
	}
	h.writeJSON(w, http.StatusOK, st.codec.EncodeUser11(u))
}

func (h *Handler) getGroups(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	q, err := query(r)
	if err != nil {
		h.fail(w, r, err, "group")
		return
	}
	// Okta's SDK ignores a filter on /Groups in SCIM 1.1; so do we, so an import never
	// fails on one.
	q.Filter = ""
	page, err := st.eng.GetGroups(r.Context(), q)
	if err != nil {
		h.fail(w, r, err, "group")
		return
	}
	res := make([]any, len(page.Groups))
	for i, g := range page.Groups {
		res[i] = st.codec.EncodeGroup11(g)
	}
	h.writeJSON(w, http.StatusOK, scim.List11(page.Total, page.StartIndex, res))
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	g, err := st.eng.GetGroup(r.Context(), idParam(ps))
	if err != nil {
		h.fail(w, r, err, "group")
		return
	}
	h.writeJSON(w, http.StatusOK, st.codec.EncodeGroup11(g))
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	in, ok := h.decodeGroup(w, r)
	if !ok {
		return
	}
	g, err := st.eng.CreateGroup(r.Context(), in)
	if err != nil {
		h.fail(w, r, err, "group")
		return
	}
	h.writeJSON(w, http.StatusCreated, st.codec.EncodeGroup11(g))
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	in, ok := h.decodeGroup(w, r)
	if !ok {
		return
	}
	g, err := st.eng.UpdateGroup(r.Context(), idParam(ps), in)
	if err != nil {
		h.fail(w, r, err, "group")
		return
	}
	h.writeJSON(w, http.StatusOK, st.codec.EncodeGroup11(g))
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	if err := st.eng.DeleteGroup(r.Context(), idParam(ps)); err != nil {
		h.fail(w, r, err, "group")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
