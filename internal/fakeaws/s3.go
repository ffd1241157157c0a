package fakeaws

import (
	"net/http"
	"strconv"
	"strings"
)

// Amazon S3, as far as iamsweep refs reads it, over REST-XML with
// path-style addressing (the fake has one host):
//
//   - ListBuckets: GET / with max-buckets (1 to 10,000) and
//     continuation-token; every bucket of the account, whatever the Region
//     called, each with its BucketRegion.
//   - GetBucketPolicy: GET /{bucket}?policy, answered with the policy
//     document itself. It must be called in the bucket's Region (another
//     is a 301 PermanentRedirect, as S3 answers); a bucket without a
//     policy is a NoSuchBucketPolicy (404); an unknown one NoSuchBucket.

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

func (s *Server) serveS3(w http.ResponseWriter, req *request) {
	path := req.http.URL.Path
	q := req.http.URL.Query()
	bucket := strings.Trim(path, "/")
	var run func(acct *Account) (any, *apiError)
	switch {
	case req.http.Method == http.MethodGet && bucket == "":
		req.action = "ListBuckets"
		run = func(acct *Account) (any, *apiError) { return s.listBuckets(acct, req) }
	case req.http.Method == http.MethodGet && !strings.Contains(bucket, "/") && q.Has("policy"):
		req.action = "GetBucketPolicy"
		run = func(acct *Account) (any, *apiError) { return getBucketPolicy(acct, req, bucket) }
	default:
		req.action = req.http.Method + " " + path
		e := errorf(501, "NotImplemented", "fakeaws does not implement S3's %s %s?%s", req.http.Method, path, req.http.URL.RawQuery)
		s.record(req, e)
		writeS3Error(w, e)
		return
	}
	s.restOp(w, req, run, func(w http.ResponseWriter, out any, e *apiError) {
		if e != nil {
			writeS3Error(w, e)
			return
		}
		var body []byte
		switch v := out.(type) {
		case *xmlw:
			body = v.b.Bytes()
			w.Header().Set("Content-Type", "application/xml")
		case string:
			body = []byte(v)
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
}

func writeS3Error(w http.ResponseWriter, e *apiError) {
	x := &xmlw{}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>`)
	x.in("Error", func() {
		x.elem("Code", e.code)
		x.elem("Message", e.message)
		x.elem("RequestId", "0000000000000000")
	})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write(x.b.Bytes())
}

func (s *Server) listBuckets(acct *Account, req *request) (any, *apiError) {
	q := req.http.URL.Query()
	limit := 10000
	if v := q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, errorf(400, "InvalidArgument", "max-buckets must be between 1 and 10000")
		}
		limit = n
	}
	var buckets []Bucket
	if acct.Resources != nil {
		buckets = acct.Resources.Buckets
	}
	items, next, e := resourcePage(s, buckets, q.Get("continuation-token"), limit)
	if e != nil {
		e.code = "InvalidArgument"
		return nil, e
	}
	x := &xmlw{}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="` + s3Namespace + `">`)
	x.in("Owner", func() { x.elem("ID", "fake-canonical-"+acct.ID) })
	x.in("Buckets", func() {
		for _, b := range items {
			x.in("Bucket", func() {
				x.elem("Name", b.Name)
				x.elem("CreationDate", "2024-01-01T00:00:00.000Z")
				x.elem("BucketRegion", b.Region)
			})
		}
	})
	if next != "" {
		x.elem("ContinuationToken", next)
	}
	x.raw(`</ListAllMyBucketsResult>`)
	return x, nil
}

func getBucketPolicy(acct *Account, req *request, name string) (any, *apiError) {
	if acct.Resources != nil {
		for _, b := range acct.Resources.Buckets {
			if b.Name != name {
				continue
			}
			switch {
			case b.Region != req.region:
				return nil, errorf(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint (Region %s).", b.Region)
			case b.Policy == "":
				return nil, errorf(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
			}
			return b.Policy, nil
		}
	}
	return nil, errorf(404, "NoSuchBucket", "The specified bucket does not exist")
}
