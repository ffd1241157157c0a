package awsapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scanTokens runs xmlScanner over doc and renders its tokens as "<name>",
// "</name>" and the unescaped text.
func scanTokens(doc string) ([]string, error) {
	s := &xmlScanner{data: []byte(doc)}
	var out []string
	for {
		t, err := s.next()
		if err != nil {
			return out, err
		}
		switch t.kind {
		case xmlEOF:
			return out, nil
		case xmlStart:
			out = append(out, "<"+string(t.name)+">")
		case xmlEnd:
			out = append(out, "</"+string(t.name)+">")
		case xmlText:
			text, err := unescape(nil, t)
			if err != nil {
				return out, err
			}
			out = append(out, string(text))
		}
	}
}

// stdTokens renders the tokens encoding/xml reads from doc the same way;
// comments and processing instructions are skipped, as xmlScanner skips
// them.
func stdTokens(doc string) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader([]byte(doc)))
	var out []string
	for {
		t, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			out = append(out, "<"+t.Name.Local+">")
		case xml.EndElement:
			out = append(out, "</"+t.Name.Local+">")
		case xml.CharData:
			out = append(out, string(t))
		}
	}
}

func TestXMLScanner_Next(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
		// lenient: encoding/xml rejects the document or reads it
		// differently; xmlScanner need not agree.
		lenient bool
	}{
		{name: "empty document", doc: "", want: nil},
		{name: "element with text", doc: "<a>x</a>", want: []string{"<a>", "x", "</a>"}},
		{name: "nested", doc: "<a><b>1</b><c>2</c></a>", want: []string{"<a>", "<b>", "1", "</b>", "<c>", "2", "</c>", "</a>"}},
		{
			name: "predefined entities and character references",
			doc:  "<a>&amp;&lt;&gt;&quot;&apos;&#65;&#x41;&#X42;&#233;&#x65E5;&#x1F600;</a>",
			want: []string{"<a>", `&<>"'AABé日😀`, "</a>"},
			// encoding/xml does not accept the upper-case X.
			lenient: true,
		},
		{
			name: "entities as IAM escapes them",
			doc:  "<a>a&amp;b &lt;c&gt; &#34;d&#34; &#39;e&#39;&#xA;&#x9;&#xD;</a>",
			want: []string{"<a>", "a&b <c> \"d\" 'e'\n\t\r", "</a>"},
		},
		{
			name: "CDATA is taken verbatim",
			doc:  "<a><![CDATA[<b>&amp;</b>]]></a>",
			want: []string{"<a>", "<b>&amp;</b>", "</a>"},
		},
		{
			name: "CDATA between text",
			doc:  "<a>x<![CDATA[]]>y</a>",
			want: []string{"<a>", "x", "", "y", "</a>"},
		},
		{
			name: "comments skipped",
			doc:  "<!-- head --><a><!-- <b>not an element</b> -->x<!---->y</a><!-- tail -->",
			want: []string{"<a>", "x", "y", "</a>"},
		},
		{
			name: "prolog and processing instructions skipped",
			doc:  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><?pi data?>x</a>",
			want: []string{"\n", "<a>", "x", "</a>"},
		},
		{
			name: "self-closing tags give a start and an end",
			doc:  "<a><b/><c /><d x=\"1\"/></a>",
			want: []string{"<a>", "<b>", "</b>", "<c>", "</c>", "<d>", "</d>", "</a>"},
		},
		{
			name: "self-closing root",
			doc:  "<a/>",
			want: []string{"<a>", "</a>"},
		},
		{
			name: "attributes skipped, quoted > and / included",
			doc:  `<a x="1>2" y='/>' z="a'b" w='c"d'>t</a>`,
			want: []string{"<a>", "t", "</a>"},
		},
		{
			name: "self-closing tag with a quoted />",
			doc:  `<a x="/>"/>`,
			want: []string{"<a>", "</a>"},
		},
		{
			name: "namespaces: local names",
			doc:  `<p:a xmlns:p="urn:x" xmlns="urn:y"><p:b>t</p:b><c/></p:a>`,
			want: []string{"<a>", "<b>", "t", "</b>", "<c>", "</c>", "</a>"},
		},
		{
			name: "white space in an end tag",
			doc:  "<a>x</a \n>",
			want: []string{"<a>", "x", "</a>"},
		},
		{
			name: "CRLF and CR normalised to LF",
			doc:  "<a>x\r\ny\rz\n</a>",
			want: []string{"<a>", "x\ny\nz\n", "</a>"},
		},
		{
			name: "CRLF normalised next to entities",
			doc:  "<a>&amp;\r\n&lt;\r</a>",
			want: []string{"<a>", "&\n<\n", "</a>"},
		},
		{
			name: "CRLF normalised in CDATA",
			doc:  "<a><![CDATA[x\r\ny]]></a>",
			want: []string{"<a>", "x\ny", "</a>"},
		},
		{
			name: "escaped CR kept",
			doc:  "<a>x&#13;&#10;y</a>",
			want: []string{"<a>", "x\r\ny", "</a>"},
		},
		{
			name: "non-ASCII text",
			doc:  "<a>é 日本 😀</a>",
			want: []string{"<a>", "é 日本 😀", "</a>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanTokens(tt.doc)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokens (-want +got):\n%s", diff)
			}
			if tt.lenient {
				return
			}
			std, err := stdTokens(tt.doc)
			if err != nil {
				t.Fatalf("encoding/xml rejects the document: %v", err)
			}
			if diff := cmp.Diff(std, got); diff != "" {
				t.Errorf("tokens differ from encoding/xml's (-std +scanner):\n%s", diff)
			}
		})
	}
}

func TestXMLScanner_NextErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{name: "unknown entity", doc: "<a>&nbsp;</a>"},
		{name: "entity without semicolon", doc: "<a>&amp</a>"},
		{name: "empty entity", doc: "<a>&;</a>"},
		{name: "empty character reference", doc: "<a>&#;</a>"},
		{name: "character reference without digits", doc: "<a>&#x;</a>"},
		{name: "character reference not a number", doc: "<a>&#xZZ;</a>"},
		{name: "character reference to a surrogate", doc: "<a>&#xD800;</a>"},
		{name: "character reference beyond Unicode", doc: "<a>&#x110000;</a>"},
		{name: "signed character reference", doc: "<a>&#+65;</a>"},
		{name: "mismatched end tag", doc: "<a><b></a></b>"},
		{name: "end tag without a start", doc: "</a>"},
		{name: "end tag after the root", doc: "<a></a></a>"},
		{name: "end tag without a name", doc: "<a></>"},
		{name: "start tag without a name", doc: "<a>< b/></a>"},
		{name: "unclosed element at EOF", doc: "<a><b>text</b>"},
		{name: "unclosed root with text", doc: "<a>text"},
		{name: "unterminated start tag", doc: "<a"},
		{name: "unterminated attribute", doc: `<a x="1>`},
		{name: "unterminated end tag", doc: "<a></a"},
		{name: "lone <", doc: "<"},
		{name: "unterminated comment", doc: "<a><!-- x</a>"},
		{name: "unterminated CDATA", doc: "<a><![CDATA[x</a>"},
		{name: "unterminated processing instruction", doc: "<?xml version=\"1.0\""},
		{name: "DOCTYPE", doc: `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`},
		{name: "DOCTYPE without subset", doc: `<!DOCTYPE a><a/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanTokens(tt.doc)
			if err == nil {
				t.Fatalf("scanned %q as %q, want an error", tt.doc, got)
			}
			if !errors.Is(err, errXMLSyntax) {
				t.Errorf("error %v is not errXMLSyntax", err)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		name string
		tok  xmlToken
		want string
	}{
		{name: "plain", tok: xmlToken{kind: xmlText, text: []byte("abc")}, want: "pre:abc"},
		{name: "entities", tok: xmlToken{kind: xmlText, text: []byte("a&amp;b&#x41;")}, want: "pre:a&bA"},
		{name: "CDATA keeps entities", tok: xmlToken{kind: xmlText, text: []byte("a&amp;b"), cdata: true}, want: "pre:a&amp;b"},
		{name: "CRLF", tok: xmlToken{kind: xmlText, text: []byte("a\r\nb")}, want: "pre:a\nb"},
		{name: "empty", tok: xmlToken{kind: xmlText}, want: "pre:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// unescape appends: what dst holds already stays.
			got, err := unescape([]byte("pre:"), tt.tok)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("unescape (-want +got):\n%s", diff)
			}
		})
	}
}
