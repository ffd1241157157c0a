package lastaccess

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// FileName is the name of the file that holds the saved report of the
// principal arn: the ARN percent-encoded as jq's @uri encodes it, then
// ".json".
func FileName(arn string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(arn); i++ {
		c := arn[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String() + ".json"
}

// ARNOfFile returns the principal ARN a file name stands for (see
// FileName): the name without ".json", percent-decoded. It must be an IAM
// role or user ARN.
func ARNOfFile(name string) (string, error) {
	base, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return "", errors.New(`the name does not end in ".json"`)
	}
	arn, err := url.PathUnescape(base)
	if err != nil {
		return "", fmt.Errorf("not a percent-encoded ARN: %w", err)
	}
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return "", fmt.Errorf("not a percent-encoded principal ARN: %w", err)
	}
	if a.Service != "iam" || !(strings.HasPrefix(a.Resource, "role/") || strings.HasPrefix(a.Resource, "user/")) {
		return "", fmt.Errorf("%s is not the ARN of an IAM role or user", iamsweep.Quote(arn))
	}
	return arn, nil
}

// LoadAccessDir reads every saved report in dir (files named as FileName
// says; other entries, hidden files and folders are skipped, but a
// ".json" file whose name is not an encoded principal ARN is an error),
// keyed by principal ARN. Errors are *iamsweep.InputError naming the file
// and the field.
func LoadAccessDir(dir string) (map[string]iamsweep.AccessReport, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &iamsweep.InputError{Source: dir, Offset: -1, Err: fmt.Errorf("read access report folder: %w", err)}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	out := map[string]iamsweep.AccessReport{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		arn, err := ARNOfFile(name)
		if err != nil {
			return nil, &iamsweep.InputError{Source: path, Offset: -1, Err: fmt.Errorf("file name: %w (name files after the principal's ARN, percent-encoded: see docs/refine.md)", err)}
		}
		if _, dup := out[arn]; dup {
			return nil, &iamsweep.InputError{Source: path, Offset: -1, Err: fmt.Errorf("a second report of %s", arn)}
		}
		rep, err := loadFile(path, arn)
		if err != nil {
			return nil, err
		}
		out[arn] = rep
	}
	return out, nil
}

func loadFile(path, arn string) (iamsweep.AccessReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return iamsweep.AccessReport{}, &iamsweep.InputError{Source: path, Offset: -1, Err: err}
	}
	defer f.Close()
	return Parse(f, path, arn)
}
