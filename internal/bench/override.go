package bench

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// withMaxBody returns the mapping with server.maxBodyBytes set to n. The agent sends a
// group's complete member list, each member with its display name: some 60 bytes a
// member, so a 25,800-member department is a 1.5 MB body, over the default limit.
func withMaxBody(text []byte, n int64) ([]byte, error) {
	return withServerKey(text, "maxBodyBytes", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(n, 10)})
}

// withCursors returns the mapping with server.cursors set to store: local, none, or a
// redis:// URL for the redis store.
func withCursors(text []byte, store string) ([]byte, error) {
	v := &yaml.Node{Kind: yaml.ScalarNode, Value: store}
	if strings.HasPrefix(store, "redis://") || strings.HasPrefix(store, "rediss://") {
		v = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "store"}, {Kind: yaml.ScalarNode, Value: "redis"},
			{Kind: yaml.ScalarNode, Value: "url"}, {Kind: yaml.ScalarNode, Value: store, Style: yaml.DoubleQuotedStyle},
		}}
	}
	return withServerKey(text, "cursors", v)
}

// withServerKey returns the mapping with server.key set to v.
func withServerKey(text []byte, key string, v *yaml.Node) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the mapping is not a YAML mapping")
	}
	root := doc.Content[0]
	server := child(root, "server")
	if server == nil {
		server = &yaml.Node{Kind: yaml.MappingNode}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "server"}, server)
	}
	replaced := false
	for i := 0; i+1 < len(server.Content); i += 2 {
		if server.Content[i].Value == key {
			server.Content[i+1], replaced = v, true
		}
	}
	if !replaced {
		server.Content = append(server.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

func child(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
