package httpapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/scim"
)

// SCIM 2.0 (RFC 7643/7644) under <base>/v2, from the same mapping and engine as 1.1: an
// org moves an app from 1.1 to 2.0 by changing the base URL, with the same ids and data.

const contentType2 = "application/scim+json;charset=UTF-8"

func (h *Handler) routes2(r *httprouter.Router, st *State) {
	v2 := st.base + "/v2"
	r.GET(v2+"/ServiceProviderConfig", h.spConfig2)
	r.GET(v2+"/ServiceProviderConfigs", h.spConfig2)
	r.GET(v2+"/ResourceTypes", h.resourceTypes2)
	r.GET(v2+"/ResourceTypes/*name", h.resourceTypes2)
	r.GET(v2+"/Schemas", h.schemas2)
	r.GET(v2+"/Schemas/*id", h.schemas2)
	r.GET(v2+"/Users", h.getUsers2)
	r.POST(v2+"/Users", h.createUser2)
	r.GET(v2+"/Users/*id", h.getUser2)
	r.POST(v2+"/Users/*id", h.searchUsers2) // only /Users/.search
	r.PUT(v2+"/Users/*id", h.putUser2)
	r.PATCH(v2+"/Users/*id", h.patchUser2)
	r.GET(v2+"/Groups", h.getGroups2)
	r.POST(v2+"/Groups", h.createGroup2)
	r.GET(v2+"/Groups/*id", h.getGroup2)
	r.POST(v2+"/Groups/*id", h.searchGroups2)
	r.PUT(v2+"/Groups/*id", h.putGroup2)
	r.PATCH(v2+"/Groups/*id", h.patchGroup2)
	r.DELETE(v2+"/Groups/*id", h.deleteGroup2)
	r.DELETE(v2+"/Users/*id", h.deleteUser2)
	for _, res := range st.eng.Resources() {
		res := res
		r.GET(v2+res.Endpoint, func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
			h.listResources2(w, r, res)
		})
		r.GET(v2+res.Endpoint+"/*id", func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
			h.getResource2(w, r, res, idParam(ps))
		})
	}
}

// listResources2 serves an extra read-only resource type (roles, entitlements).
func (h *Handler) listResources2(w http.ResponseWriter, r *http.Request, res *mappings.Resource) {
	st := stateOf(r)
	p, err := query2(r)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	page, err := st.eng.ListResources(r.Context(), res.Name, p.q)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	base := baseURL2(r, st.base)
	out := make([]any, len(page.Resources))
	for i, x := range page.Resources {
		out[i] = scim.Project(scim.EncodeResource2(res, x, base), p.attributes, p.excluded)
	}
	h.writeJSON2(w, http.StatusOK, scim.List2(page.Total, page.StartIndex, out))
}

func (h *Handler) getResource2(w http.ResponseWriter, r *http.Request, res *mappings.Resource, id string) {
	st := stateOf(r)
	x, err := st.eng.GetResource(r.Context(), res.Name, id)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.writeJSON2(w, http.StatusOK, scim.EncodeResource2(res, x, baseURL2(r, st.base)))
}

func isV2(r *http.Request, base string) bool {
	return strings.HasPrefix(r.URL.Path, base+"/v2/") || r.URL.Path == base+"/v2"
}

// baseURL2 is the absolute /v2 URL the client used, for meta.location.
func baseURL2(r *http.Request, base string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + base + "/v2"
}

func (h *Handler) writeJSON2(w http.ResponseWriter, status int, v any) {
	h.writeBody(w, status, contentType2, v)
}

func (h *Handler) writeError2(w http.ResponseWriter, status int, scimType, detail string) {
	noteReason(w, detail)
	h.writeJSON2(w, status, scim.Error2(status, scimType, detail))
}

// fail2 maps an engine error to an RFC 7644 error.
func (h *Handler) fail2(w http.ResponseWriter, r *http.Request, err error) {
	c, err := h.answer(r, err)
	scimType := c.scimType
	var pe *scim.PatchError
	if errors.As(err, &pe) {
		scimType = pe.ScimType
	}
	h.writeError2(w, c.status, scimType, err.Error())
}

// listParams is a query or a SearchRequest body.
type listParams struct {
	q                    engine.Query
	attributes, excluded []string
}

func query2(r *http.Request) (listParams, error) {
	v := r.URL.Query()
	p := listParams{q: engine.Query{Filter: v.Get("filter"), SortBy: v.Get("sortBy")}}
	p.q.SortDesc = strings.EqualFold(v.Get("sortOrder"), "descending")
	if so := v.Get("sortOrder"); so != "" && !strings.EqualFold(so, "ascending") && !strings.EqualFold(so, "descending") {
		return p, fmt.Errorf("%w: sortOrder must be ascending or descending, not %q", engine.ErrInvalidValue, so)
	}
	p.attributes, p.excluded = scim.SplitList(v.Get("attributes")), scim.SplitList(v.Get("excludedAttributes"))
	return p, p.paging(v.Get("startIndex"), v.Get("count"))
}

// paging applies RFC 7644 §3.4.2.4: startIndex defaults to 1 (and less than 1 is 1),
// count to everything; count=0 asks for totalResults alone.
func (p *listParams) paging(si, c string) error {
	p.q.StartIndex = 1
	if si != "" {
		n, err := strconv.Atoi(strings.TrimSpace(si))
		if err != nil {
			return fmt.Errorf("%w: startIndex must be a whole number, got %q", engine.ErrInvalidPaging, si)
		}
		p.q.StartIndex = max(n, 1)
	}
	if c != "" {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 0 {
			return fmt.Errorf("%w: count must be a non-negative whole number, got %q", engine.ErrInvalidPaging, c)
		}
		p.q.Count, p.q.Paged = n, true
	}
	return nil
}

// searchBody reads a POST .search SearchRequest (RFC 7644 §3.4.3).
func (h *Handler) searchBody(w http.ResponseWriter, r *http.Request) (listParams, bool) {
	doc, ok := h.decode(w, r)
	if !ok {
		return listParams{}, false
	}
	str := func(k string) string {
		v, _ := lookupFoldAny(doc, k)
		switch x := v.(type) {
		case string:
			return x
		case json.Number:
			return x.String()
		}
		return ""
	}
	list := func(k string) []string {
		v, _ := lookupFoldAny(doc, k)
		var out []string
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		case string:
			out = scim.SplitList(x)
		}
		return out
	}
	p := listParams{q: engine.Query{Filter: str("filter"), SortBy: str("sortBy"), SortDesc: strings.EqualFold(str("sortOrder"), "descending")}}
	p.attributes, p.excluded = list("attributes"), list("excludedAttributes")
	if err := p.paging(str("startIndex"), str("count")); err != nil {
		h.fail2(w, r, err)
		return p, false
	}
	return p, true
}

func lookupFoldAny(m map[string]any, key string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func (h *Handler) authSchemes(st *State) []any {
	switch st.eng.Mapping().Server.Auth.Type {
	case "basic":
		return []any{map[string]any{"type": "httpbasic", "name": "HTTP Basic", "description": "Authentication with a user name and password (HTTP Basic)", "primary": true}}
	case "header":
		a := st.eng.Mapping().Server.Auth
		if strings.EqualFold(a.Header, "Authorization") && strings.HasPrefix(strings.ToLower(a.Value.Reveal()), "bearer ") {
			// Entra ID's secret token, sent as Authorization: Bearer <token>.
			return []any{map[string]any{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "Authentication with a bearer token in the Authorization header", "primary": true}}
		}
		return []any{map[string]any{"type": "httpheader", "name": "HTTP header", "description": "Authentication with a secret in the " + a.Header + " header", "primary": true}}
	}
	return nil
}

func (h *Handler) spConfig2(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	st := stateOf(r)
	m := st.eng.Mapping()
	etag := m.Users != nil && m.Users.LastModified != nil || m.Groups != nil && m.Groups.LastModified != nil
	h.writeJSON2(w, http.StatusOK, scim.ServiceProviderConfig2(engine.Enabled(st.eng.Capabilities()), st.eng.MaxPageSize(), h.authSchemes(st), baseURL2(r, st.base), etag))
}

func (h *Handler) resourceTypes2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	all := st.codec.ResourceTypes2(baseURL2(r, st.base))
	h.discovery(w, ps.ByName("name"), all)
}

func (h *Handler) schemas2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	all := st.codec.Schemas2(baseURL2(r, st.base))
	h.discovery(w, ps.ByName("id"), all)
}

// discovery answers a discovery list, or one entry of it by id.
func (h *Handler) discovery(w http.ResponseWriter, id string, all []any) {
	id = strings.TrimPrefix(id, "/")
	if id == "" {
		h.writeJSON2(w, http.StatusOK, scim.List2(len(all), 1, all))
		return
	}
	for _, x := range all {
		if v, _ := x.(*scim.Object).Get("id"); strings.EqualFold(fmt.Sprint(v), id) {
			h.writeJSON2(w, http.StatusOK, x)
			return
		}
	}
	h.writeError2(w, http.StatusNotFound, "", fmt.Sprintf("no such entry: %q", id))
}

func (h *Handler) listUsers2(w http.ResponseWriter, r *http.Request, p listParams) {
	st := stateOf(r)
	p.q.WithoutGroups = excludes(p, "groups")
	page, err := st.eng.GetUsers(r.Context(), p.q)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	base := baseURL2(r, st.base)
	res := make([]any, len(page.Users))
	for i, u := range page.Users {
		res[i] = scim.Project(st.codec.EncodeUser2(u, base), p.attributes, p.excluded)
	}
	h.writeJSON2(w, http.StatusOK, scim.List2(page.Total, page.StartIndex, res))
}

func (h *Handler) getUsers2(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p, err := query2(r)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.listUsers2(w, r, p)
}

func (h *Handler) searchUsers2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if idParam(ps) != ".search" {
		h.writeError2(w, http.StatusMethodNotAllowed, "", "POST is for /Users and /Users/.search")
		return
	}
	if p, ok := h.searchBody(w, r); ok {
		h.listUsers2(w, r, p)
	}
}

// entityTags are the tags of an If-Match or If-None-Match header, nil when absent.
func entityTags(r *http.Request, header string) []string {
	var out []string
	for _, v := range r.Header.Values(header) {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// conditionalGet answers a GET's If-None-Match (304 when the resource is at a version it
// names) and If-Match (412 when it is not), and reports whether it answered.
func (h *Handler) conditionalGet(w http.ResponseWriter, r *http.Request, version string) bool {
	if none := entityTags(r, "If-None-Match"); len(none) > 0 && engine.Matches(none, version) {
		if version != "" {
			w.Header().Set("ETag", version)
		}
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	if match := entityTags(r, "If-Match"); len(match) > 0 && !engine.Matches(match, version) {
		h.writeError2(w, http.StatusPreconditionFailed, "", fmt.Sprintf("If-Match: the resource is at version %s", cmp.Or(version, "(none: the mapping has no lastModified)")))
		return true
	}
	return false
}

func (h *Handler) oneUser2(w http.ResponseWriter, r *http.Request, status int, u *engine.User) {
	st := stateOf(r)
	if v := u.Version(); v != "" {
		w.Header().Set("ETag", v)
	}
	base := baseURL2(r, st.base)
	v := r.URL.Query()
	o := scim.Project(st.codec.EncodeUser2(u, base), scim.SplitList(v.Get("attributes")), scim.SplitList(v.Get("excludedAttributes")))
	if status == http.StatusCreated {
		w.Header().Set("Location", base+"/Users/"+u.ID)
	}
	h.writeJSON2(w, status, o)
}

func (h *Handler) getUser2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	var opts []engine.ReadOption
	if excludedBy(r, "groups") {
		opts = append(opts, engine.WithoutGroups)
	}
	u, err := st.eng.GetUser(r.Context(), idParam(ps), opts...)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	if h.conditionalGet(w, r, u.Version()) {
		return
	}
	h.oneUser2(w, r, http.StatusOK, u)
}

func (h *Handler) decodeUser2(w http.ResponseWriter, r *http.Request, replace bool) (*engine.User, bool) {
	st := stateOf(r)
	doc, ok := h.decode(w, r)
	if !ok {
		return nil, false
	}
	var u *engine.User
	var err error
	if replace {
		u, err = st.codec.DecodeUserReplace(doc)
	} else {
		u, err = st.codec.DecodeUser(doc)
	}
	if err != nil {
		h.fail2(w, r, err)
		return nil, false
	}
	return u, true
}

func (h *Handler) createUser2(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	in, ok := h.decodeUser2(w, r, false)
	if !ok {
		return
	}
	u, err := stateOf(r).eng.CreateUser(r.Context(), in)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.oneUser2(w, r, http.StatusCreated, u)
}

// putUser2 replaces the user: attributes the body does not carry are cleared.
func (h *Handler) putUser2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	in, ok := h.decodeUser2(w, r, true)
	if !ok {
		return
	}
	u, err := stateOf(r).eng.UpdateUser(r.Context(), idParam(ps), in, entityTags(r, "If-Match")...)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.oneUser2(w, r, http.StatusOK, u)
}

// patchUser2 applies the operations to the stored user inside one transaction.
func (h *Handler) patchUser2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	doc, ok := h.decode(w, r)
	if !ok {
		return
	}
	ops, err := scim.DecodePatch(doc)
	if err == nil {
		err = st.codec.ReadOnlyUserPatch(ops)
	}
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	base := baseURL2(r, st.base)
	u, err := st.eng.PatchUser(r.Context(), idParam(ps), func(cur *engine.User) (*engine.User, error) {
		m := scim.ToMap(st.codec.EncodeUser2(cur, base))
		if err := scim.ApplyPatch(m, ops, scim.User2); err != nil {
			return nil, err
		}
		return st.codec.DecodeUserPatched(m)
	}, entityTags(r, "If-Match")...)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	if st.eng.Mapping().Server.UserPatchStatus == http.StatusNoContent {
		if v := u.Version(); v != "" {
			w.Header().Set("ETag", v)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.oneUser2(w, r, http.StatusOK, u)
}

func (h *Handler) listGroups2(w http.ResponseWriter, r *http.Request, p listParams) {
	st := stateOf(r)
	p.q.WithoutMembers = excludes(p, "members")
	page, err := st.eng.GetGroups(r.Context(), p.q)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	base := baseURL2(r, st.base)
	res := make([]any, len(page.Groups))
	for i, g := range page.Groups {
		res[i] = scim.Project(st.codec.EncodeGroup2(g, base), p.attributes, p.excluded)
	}
	h.writeJSON2(w, http.StatusOK, scim.List2(page.Total, page.StartIndex, res))
}

// excludes reports whether the request leaves attribute name out, so the engine need
// not read it.
func excludes(p listParams, name string) bool {
	for _, a := range p.excluded {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	if len(p.attributes) == 0 {
		return false
	}
	for _, a := range p.attributes {
		if strings.EqualFold(a, name) || strings.HasPrefix(strings.ToLower(a), strings.ToLower(name)+".") {
			return false
		}
	}
	return true
}

// excludedBy reports whether a single-resource read's attributes or excludedAttributes
// leave attribute name out.
func excludedBy(r *http.Request, name string) bool {
	v := r.URL.Query()
	return excludes(listParams{attributes: scim.SplitList(v.Get("attributes")), excluded: scim.SplitList(v.Get("excludedAttributes"))}, name)
}

func (h *Handler) getGroups2(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p, err := query2(r)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.listGroups2(w, r, p)
}

func (h *Handler) searchGroups2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if idParam(ps) != ".search" {
		h.writeError2(w, http.StatusMethodNotAllowed, "", "POST is for /Groups and /Groups/.search")
		return
	}
	if p, ok := h.searchBody(w, r); ok {
		h.listGroups2(w, r, p)
	}
}

func (h *Handler) oneGroup2(w http.ResponseWriter, r *http.Request, status int, g *engine.Group) {
	st := stateOf(r)
	if v := g.Version(); v != "" {
		w.Header().Set("ETag", v)
	}
	base := baseURL2(r, st.base)
	v := r.URL.Query()
	o := scim.Project(st.codec.EncodeGroup2(g, base), scim.SplitList(v.Get("attributes")), scim.SplitList(v.Get("excludedAttributes")))
	if status == http.StatusCreated {
		w.Header().Set("Location", base+"/Groups/"+g.ID)
	}
	h.writeJSON2(w, status, o)
}

func (h *Handler) getGroup2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	var opts []engine.ReadOption
	if excludedBy(r, "members") {
		opts = append(opts, engine.WithoutMembers)
	}
	g, err := st.eng.GetGroup(r.Context(), idParam(ps), opts...)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	if h.conditionalGet(w, r, g.Version()) {
		return
	}
	h.oneGroup2(w, r, http.StatusOK, g)
}

func (h *Handler) decodeGroup2(w http.ResponseWriter, r *http.Request) (*engine.Group, bool) {
	return h.decodeGroup(w, r)
}

func (h *Handler) createGroup2(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	in, ok := h.decodeGroup2(w, r)
	if !ok {
		return
	}
	g, err := stateOf(r).eng.CreateGroup(r.Context(), in)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.oneGroup2(w, r, http.StatusCreated, g)
}

// putGroup2 replaces the group; a body without members empties it, as PUT replaces.
func (h *Handler) putGroup2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	in, ok := h.decodeGroup2(w, r)
	if !ok {
		return
	}
	in.HasMembers = true
	g, err := stateOf(r).eng.UpdateGroup(r.Context(), idParam(ps), in, entityTags(r, "If-Match")...)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	h.oneGroup2(w, r, http.StatusOK, g)
}

// patchGroup2 answers 204: returning the group would mean reading every member, which a
// one-member change must not cost (RFC 7644 §3.5.2 allows 204).
func (h *Handler) patchGroup2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	doc, ok := h.decode(w, r)
	if !ok {
		return
	}
	ops, err := scim.DecodePatch(doc)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	gp, err := st.codec.GroupPatch(ops)
	if err != nil {
		h.fail2(w, r, err)
		return
	}
	if err := st.eng.PatchGroup(r.Context(), idParam(ps), gp, entityTags(r, "If-Match")...); err != nil {
		h.fail2(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteUser2 is SCIM 2.0's DELETE /Users/{id}: 204 when the mapping maps deleteUser,
// 405 when it does not (users are then only deactivated).
func (h *Handler) deleteUser2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	st := stateOf(r)
	if st.eng.Mapping().Users.Op(mappings.OpDeleteUser) == nil {
		w.Header().Set("Allow", "GET, PUT, PATCH")
		h.writeError2(w, http.StatusMethodNotAllowed, "", "users are not deleted by this mapping (users.operations.deleteUser): deactivate them instead")
		return
	}
	if err := st.eng.DeleteUser(r.Context(), idParam(ps), entityTags(r, "If-Match")...); err != nil {
		h.fail2(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) deleteGroup2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if err := stateOf(r).eng.DeleteGroup(r.Context(), idParam(ps), entityTags(r, "If-Match")...); err != nil {
		h.fail2(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
