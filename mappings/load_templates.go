package mappings

import (
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v3"
)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// templateFuncs are the functions templates are parsed with. The engine replaces bind,
// col and the rest with implementations bound to one execution; here they only need to
// exist so parsing can check names.
func templateFuncs() template.FuncMap {
	f := sprig.HermeticTxtFuncMap()
	for _, name := range TemplateFuncNames {
		f[name] = func(...any) (string, error) { return "", nil }
	}
	return f
}

// TemplateFuncNames are the scimsql functions a template may call besides sprig's hermetic set.
var TemplateFuncNames = []string{"bind", "col", "hash", "sqlNull", "splits"}

func (l *loader) template(n *yaml.Node, path string) *Template {
	if n == nil {
		return nil
	}
	// A template written once with an anchor (&name) may be reused (*name).
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, path, "expected template text, found %s", kindName(n))
		return nil
	}
	src := l.pos(n)
	t, err := template.New(src).Option("missingkey=error").Funcs(templateFuncs()).Parse(n.Value)
	if err != nil {
		// text/template reports "template: NAME:LINE: msg"; keep the message and our position.
		msg := err.Error()
		if i := strings.Index(msg, src+":"); i >= 0 {
			msg = msg[i+len(src)+1:]
			if j := strings.Index(msg, ": "); j >= 0 {
				msg = "template line " + msg[:j] + ": " + msg[j+2:]
			}
		}
		l.errorf(n, path, "%s", msg)
		return nil
	}
	return &Template{Source: src, Text: n.Value, Tmpl: t}
}
