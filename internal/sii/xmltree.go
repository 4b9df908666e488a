package sii

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// A small XML tree: what SII documents need (elements, attributes, text)
// and nothing else. It is both the builder and the parsed form, so that
// the canonical bytes a signature covers are computed by one function
// (c14n) on what Cobro wrote and on what the sandbox reads back.
//
// Why not encoding/xml or etree + goxmldsig: encoding/xml resolves
// namespace prefixes and cannot reproduce the document; goxmldsig writes
// the Transforms, KeyInfo and enveloped-signature form of SAML, which the
// SII schema (xmldsignature_v10.xsd: inclusive C14N 1.0, RSA-SHA1, no
// transforms, KeyValue + X509Data) does not accept as is. Inclusive C14N
// of documents without comments, PIs or DTDs is short; xmlsec1 checks it
// in the tests.

// Elem is an element. Names are qualified as written ("Signature",
// "xsi:schemaLocation"); namespace declarations are ordinary attributes
// ("xmlns", "xmlns:xsi").
type Elem struct {
	Name     string
	Attrs    []Attr
	Children []Node
	Parent   *Elem
}

// Attr is an attribute.
type Attr struct{ Name, Value string }

// Node is *Elem or Text.
type Node interface{}

// Text is character data.
type Text string

// E creates an element with attributes given as name, value pairs.
func E(name string, attrs ...string) *Elem {
	e := &Elem{Name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		e.Attrs = append(e.Attrs, Attr{attrs[i], attrs[i+1]})
	}
	return e
}

// Add appends child elements and returns e.
func (e *Elem) Add(children ...*Elem) *Elem {
	for _, c := range children {
		if c == nil {
			continue
		}
		c.Parent = e
		e.Children = append(e.Children, c)
	}
	return e
}

// T appends a text child <name>text</name> and returns e.
func (e *Elem) T(name, text string) *Elem {
	c := &Elem{Name: name, Parent: e}
	if text != "" {
		c.Children = []Node{Text(text)}
	}
	e.Children = append(e.Children, c)
	return e
}

// Opt appends <name>text</name> when text is not empty.
func (e *Elem) Opt(name, text string) *Elem {
	if text == "" {
		return e
	}
	return e.T(name, text)
}

// Attr returns an attribute value.
func (e *Elem) Attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// SetAttr sets or adds an attribute.
func (e *Elem) SetAttr(name, value string) {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name {
			e.Attrs[i].Value = value
			return
		}
	}
	e.Attrs = append(e.Attrs, Attr{name, value})
}

// Local is the name without its prefix.
func (e *Elem) Local() string {
	if i := strings.IndexByte(e.Name, ':'); i >= 0 {
		return e.Name[i+1:]
	}
	return e.Name
}

// Child returns the first child element with the local name. Child,
// ChildrenNamed, Path, Attr and Text accept a nil element (nil or empty
// results), so lookups on documents of unknown shape never panic.
func (e *Elem) Child(local string) *Elem {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if ce, ok := c.(*Elem); ok && ce.Local() == local {
			return ce
		}
	}
	return nil
}

// ChildrenNamed returns the child elements with the local name.
func (e *Elem) ChildrenNamed(local string) []*Elem {
	if e == nil {
		return nil
	}
	var out []*Elem
	for _, c := range e.Children {
		if ce, ok := c.(*Elem); ok && ce.Local() == local {
			out = append(out, ce)
		}
	}
	return out
}

// Path follows child local names; nil when one is missing.
func (e *Elem) Path(locals ...string) *Elem {
	cur := e
	for _, l := range locals {
		if cur == nil {
			return nil
		}
		cur = cur.Child(l)
	}
	return cur
}

// Text returns the concatenated character data of e's direct children.
func (e *Elem) Text() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range e.Children {
		if t, ok := c.(Text); ok {
			b.WriteString(string(t))
		}
	}
	return b.String()
}

// ByID finds the element whose ID attribute is id.
func (e *Elem) ByID(id string) *Elem {
	if e.Attr("ID") == id {
		return e
	}
	for _, c := range e.Children {
		if ce, ok := c.(*Elem); ok {
			if f := ce.ByID(id); f != nil {
				return f
			}
		}
	}
	return nil
}

// inScopeNS returns the namespace declarations in scope at e from its
// ancestors (not e's own), by attribute name ("xmlns", "xmlns:xsi").
func (e *Elem) inheritedNS() map[string]string {
	var chain []*Elem
	for p := e.Parent; p != nil; p = p.Parent {
		chain = append(chain, p)
	}
	ns := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, a := range chain[i].Attrs {
			if isNSDecl(a.Name) {
				ns[a.Name] = a.Value
			}
		}
	}
	return ns
}

func isNSDecl(name string) bool { return name == "xmlns" || strings.HasPrefix(name, "xmlns:") }

// C14N returns the inclusive canonical form (C14N 1.0 without comments)
// of the subtree at e, with the namespaces inherited from its ancestors.
func C14N(e *Elem) []byte {
	var b bytes.Buffer
	rendered := map[string]string{}
	if e.Parent != nil {
		inh := e.inheritedNS()
		c14nElem(&b, e, rendered, inh)
	} else {
		c14nElem(&b, e, rendered, map[string]string{})
	}
	return b.Bytes()
}

// c14nElem writes e. rendered: the namespace declarations the nearest
// output ancestor rendered in scope; inScope: declarations in scope from
// the ancestors.
func c14nElem(b *bytes.Buffer, e *Elem, rendered, inScope map[string]string) {
	scope := make(map[string]string, len(inScope)+2)
	for k, v := range inScope {
		scope[k] = v
	}
	var attrs []Attr
	for _, a := range e.Attrs {
		if isNSDecl(a.Name) {
			scope[a.Name] = a.Value
		} else {
			attrs = append(attrs, a)
		}
	}
	var nsOut []Attr
	for k, v := range scope {
		if r, ok := rendered[k]; ok && r == v {
			continue
		}
		if !ok2(rendered, k) && k == "xmlns" && v == "" {
			continue
		}
		nsOut = append(nsOut, Attr{k, v})
	}
	sort.Slice(nsOut, func(i, j int) bool {
		if nsOut[i].Name == "xmlns" {
			return true
		}
		if nsOut[j].Name == "xmlns" {
			return false
		}
		return nsOut[i].Name < nsOut[j].Name
	})
	nsURI := func(name string) string {
		if i := strings.IndexByte(name, ':'); i >= 0 {
			return scope["xmlns:"+name[:i]]
		}
		return ""
	}
	sort.SliceStable(attrs, func(i, j int) bool {
		ui, uj := nsURI(attrs[i].Name), nsURI(attrs[j].Name)
		if ui != uj {
			return ui < uj
		}
		return localOf(attrs[i].Name) < localOf(attrs[j].Name)
	})
	startTag(b, e.Name, attrEscaper, append(nsOut, attrs...))
	childRendered := rendered
	if len(nsOut) > 0 {
		childRendered = make(map[string]string, len(rendered)+len(nsOut))
		for k, v := range rendered {
			childRendered[k] = v
		}
		for _, a := range nsOut {
			childRendered[a.Name] = a.Value
		}
	}
	for _, c := range e.Children {
		switch c := c.(type) {
		case Text:
			_, _ = textEscaper.WriteString(b, string(c))
		case *Elem:
			c14nElem(b, c, childRendered, scope)
		}
	}
	endTag(b, e.Name)
}

// startTag writes <name a="v" …> with the values escaped by esc.
func startTag(b *bytes.Buffer, name string, esc *strings.Replacer, attrs []Attr) {
	b.WriteByte('<')
	b.WriteString(name)
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		_, _ = esc.WriteString(b, a.Value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
}

func endTag(b *bytes.Buffer, name string) {
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func hasElem(children []Node) bool {
	for _, c := range children {
		if _, ok := c.(*Elem); ok {
			return true
		}
	}
	return false
}

// significant is children without the whitespace-only text between
// elements (indentation), which signatures over a compact form ignore.
func significant(children []Node) []Node {
	if !hasElem(children) {
		return children
	}
	out := make([]Node, 0, len(children))
	for _, c := range children {
		if t, ok := c.(Text); ok && strings.TrimSpace(string(t)) == "" {
			continue
		}
		out = append(out, c)
	}
	return out
}

func ok2(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func localOf(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// The escapes of canonical XML 1.0 for text and for attribute values.
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

// Latin1Document serialises the tree as the file SII expects: an XML
// declaration for ISO-8859-1 and the canonical form of the root transcoded
// to ISO-8859-1 (text is already limited to ISO-8859-1 by Clean).
func Latin1Document(root *Elem) []byte {
	c := C14N(root)
	out := make([]byte, 0, len(c)+48)
	out = append(out, `<?xml version="1.0" encoding="ISO-8859-1"?>`+"\n"...)
	return appendLatin1(out, c)
}

func appendLatin1(out, utf []byte) []byte {
	for len(utf) > 0 {
		r, n := utf8.DecodeRune(utf)
		utf = utf[n:]
		if r < 0x100 {
			out = append(out, byte(r))
		} else {
			out = append(out, '?')
		}
	}
	return out
}

// ToLatin1 converts UTF-8 text to ISO-8859-1 bytes ('?' for what it lacks).
func ToLatin1(s string) []byte { return appendLatin1(nil, []byte(s)) }

// Clean prepares a text for an SII element: characters outside ISO-8859-1
// and control characters become '?', and the text is cut to max runes
// (0: no limit).
func Clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if max > 0 && n == max {
			break
		}
		switch {
		case r == '\t' || r == '\n':
			b.WriteRune(' ')
		case r < 0x20 || r >= 0x100 || (r >= 0x7f && r < 0xa0):
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return strings.TrimSpace(b.String())
}

// ErrNotXML is returned by Parse for input that is not well-formed.
var ErrNotXML = errors.New("not well-formed XML")

// Parse reads an XML document (UTF-8, or ISO-8859-1 when its declaration
// says so) into a tree. Comments and processing instructions are dropped;
// DTDs are refused.
func Parse(data []byte) (*Elem, error) {
	if isLatin1Decl(data) {
		u := make([]byte, 0, len(data)+len(data)/8)
		for _, c := range data {
			u = utf8.AppendRune(u, rune(c))
		}
		data = u
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var root *Elem
	var stack []*Elem
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &Elem{Name: qname(t.Name)}
			for _, a := range t.Attr {
				e.Attrs = append(e.Attrs, Attr{qname(a.Name), a.Value})
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("%w: several root elements", ErrNotXML)
				}
				root = e
			} else {
				stack[len(stack)-1].Add(e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].Name != qname(t.Name) {
				return nil, fmt.Errorf("%w: unexpected </%s>", ErrNotXML, qname(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside the root", ErrNotXML)
				}
				continue
			}
			p := stack[len(stack)-1]
			s := strings.ReplaceAll(string(t), "\r\n", "\n")
			if n := len(p.Children); n > 0 {
				if prev, ok := p.Children[n-1].(Text); ok {
					p.Children[n-1] = prev + Text(s)
					continue
				}
			}
			p.Children = append(p.Children, Text(s))
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs are not accepted", ErrNotXML)
		}
	}
	if root == nil || len(stack) > 0 {
		return nil, fmt.Errorf("%w: incomplete document", ErrNotXML)
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func isLatin1Decl(data []byte) bool {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return false
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return false
	}
	decl := strings.ToLower(string(data[:end]))
	return strings.Contains(decl, "iso-8859-1") || strings.Contains(decl, "latin1") || strings.Contains(decl, "latin-1")
}

// FormatRUT prints a normalised RUT with thousands dots (77.123.456-9).
func FormatRUT(rut string) string {
	body, dv, ok := strings.Cut(rut, "-")
	if !ok {
		return rut
	}
	var b strings.Builder
	for i, c := range body {
		if i > 0 && (len(body)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String() + "-" + dv
}

// TEDOf extracts the TED of the (first) document of an envelope as the
// ISO-8859-1 bytes the PDF417 stamp carries (docs/tax-agency.md#11-pdf-with-pdf417-chile).
func TEDOf(envelope []byte) ([]byte, error) {
	root, err := Parse(envelope)
	if err != nil {
		return nil, err
	}
	ted := root.Path("SetDTE", "DTE", "Documento", "TED")
	if ted == nil {
		return nil, errors.New("sii: no TED in the envelope")
	}
	return Flat(ted), nil
}
