package awsapi

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// xmlScanner tokenises the XML documents AWS query-protocol services send:
// elements, attributes (skipped), character data with the five predefined
// entities and character references, CDATA sections, comments and
// processing instructions (skipped). It does not allocate per token: names
// and text are slices of the input, unescaped only when asked.
//
// It exists because encoding/xml, which the SDK's generated deserializers
// use, decodes a 1,000-role GetAccountAuthorizationDetails page slower than
// the network returns the next one; see gaadDeserializer.
type xmlScanner struct {
	data []byte
	pos  int
	// pendingEnd is set after a self-closing tag: the next token is its end.
	pendingEnd []byte
	// open holds the names of the elements entered and not yet closed.
	open [][]byte
}

type xmlKind int

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
)

type xmlToken struct {
	kind xmlKind
	// name is the local name of a start or end tag (any prefix removed).
	name []byte
	// text is raw character data (still escaped unless cdata).
	text  []byte
	cdata bool
}

var errXMLSyntax = errors.New("malformed XML")

func (s *xmlScanner) syntax(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errXMLSyntax, s.pos, fmt.Sprintf(format, args...))
}

// next returns the next token. Text between elements that is only
// whitespace is returned like any other text; callers ignore it.
func (s *xmlScanner) next() (xmlToken, error) {
	if s.pendingEnd != nil {
		name := s.pendingEnd
		s.pendingEnd = nil
		s.open = s.open[:len(s.open)-1]
		return xmlToken{kind: xmlEnd, name: name}, nil
	}
	for {
		if s.pos >= len(s.data) {
			if len(s.open) != 0 {
				return xmlToken{}, s.syntax("document ends inside an element")
			}
			return xmlToken{kind: xmlEOF}, nil
		}
		if s.data[s.pos] != '<' {
			end := bytes.IndexByte(s.data[s.pos:], '<')
			if end < 0 {
				end = len(s.data) - s.pos
			}
			text := s.data[s.pos : s.pos+end]
			s.pos += end
			return xmlToken{kind: xmlText, text: text}, nil
		}
		rest := s.data[s.pos:]
		if len(rest) < 2 {
			return xmlToken{}, s.syntax("document ends inside a tag")
		}
		switch rest[1] {
		case '?':
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return xmlToken{}, s.syntax("unterminated processing instruction")
			}
			s.pos += end + 2
		case '!':
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				end := bytes.Index(rest[4:], []byte("-->"))
				if end < 0 {
					return xmlToken{}, s.syntax("unterminated comment")
				}
				s.pos += 4 + end + 3
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				end := bytes.Index(rest[9:], []byte("]]>"))
				if end < 0 {
					return xmlToken{}, s.syntax("unterminated CDATA section")
				}
				text := rest[9 : 9+end]
				s.pos += 9 + end + 3
				return xmlToken{kind: xmlText, text: text, cdata: true}, nil
			default:
				return xmlToken{}, s.syntax("DTDs are not allowed")
			}
		case '/':
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return xmlToken{}, s.syntax("unterminated end tag")
			}
			raw := rest[2:end]
			for len(raw) > 0 && isSpace(raw[len(raw)-1]) {
				raw = raw[:len(raw)-1]
			}
			name := localName(raw)
			if len(name) == 0 {
				return xmlToken{}, s.syntax("end tag without a name")
			}
			if len(s.open) == 0 {
				return xmlToken{}, s.syntax("end tag </%s> without a start", name)
			}
			if top := s.open[len(s.open)-1]; !bytes.Equal(top, name) {
				return xmlToken{}, s.syntax("end tag </%s> closes <%s>", name, top)
			}
			s.pos += end + 1
			s.open = s.open[:len(s.open)-1]
			return xmlToken{kind: xmlEnd, name: name}, nil
		default:
			return s.startTag()
		}
	}
}

// startTag scans "<name attr='v' ...>" or "<name .../>".
func (s *xmlScanner) startTag() (xmlToken, error) {
	i := s.pos + 1
	for i < len(s.data) && !isSpace(s.data[i]) && s.data[i] != '>' && s.data[i] != '/' {
		i++
	}
	name := localName(s.data[s.pos+1 : i])
	if len(name) == 0 {
		return xmlToken{}, s.syntax("start tag without a name")
	}
	// Skip attributes, minding quoted values that may hold '>' or '/'.
	for i < len(s.data) {
		switch c := s.data[i]; c {
		case '"', '\'':
			end := bytes.IndexByte(s.data[i+1:], c)
			if end < 0 {
				return xmlToken{}, s.syntax("unterminated attribute value")
			}
			i += end + 2
		case '>':
			s.pos = i + 1
			s.open = append(s.open, name)
			return xmlToken{kind: xmlStart, name: name}, nil
		case '/':
			if i+1 < len(s.data) && s.data[i+1] == '>' {
				s.pos = i + 2
				s.open = append(s.open, name)
				s.pendingEnd = name
				return xmlToken{kind: xmlStart, name: name}, nil
			}
			i++
		default:
			i++
		}
	}
	return xmlToken{}, s.syntax("unterminated start tag <%s", name)
}

func localName(n []byte) []byte {
	if i := bytes.IndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// unescape appends the character data of a text token to dst, resolving
// entity and character references.
func unescape(dst []byte, t xmlToken) ([]byte, error) {
	if t.cdata {
		return appendNewlines(dst, t.text), nil
	}
	if bytes.IndexByte(t.text, '&') < 0 {
		return appendNewlines(dst, t.text), nil
	}
	text := t.text
	if bytes.IndexByte(text, '\r') >= 0 {
		text = appendNewlines(nil, text)
	}
	for len(text) > 0 {
		amp := bytes.IndexByte(text, '&')
		if amp < 0 {
			return append(dst, text...), nil
		}
		dst = append(dst, text[:amp]...)
		text = text[amp:]
		semi := bytes.IndexByte(text, ';')
		if semi < 0 {
			return dst, fmt.Errorf("%w: unterminated entity reference", errXMLSyntax)
		}
		ref := string(text[1:semi])
		text = text[semi+1:]
		switch ref {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ref) > 2 && (ref[:2] == "#x" || ref[:2] == "#X"):
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			case len(ref) > 1 && ref[0] == '#':
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			default:
				return dst, fmt.Errorf("%w: unknown entity &%s;", errXMLSyntax, ref)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return dst, fmt.Errorf("%w: invalid character reference &%s;", errXMLSyntax, ref)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, nil
}

// appendNewlines appends text to dst with line ends normalised as XML
// requires ("\r\n" and a lone "\r" become "\n"), as encoding/xml does.
func appendNewlines(dst, text []byte) []byte {
	if bytes.IndexByte(text, '\r') < 0 {
		return append(dst, text...)
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\r' {
			if i+1 < len(text) && text[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		dst = append(dst, c)
	}
	return dst
}
