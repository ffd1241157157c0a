package fakeaws

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Amazon EC2, as far as iamsweep refs reads it, over EC2's own query
// protocol (Action=..., Version 2016-11-15; XML answers in the EC2
// namespace, errors as <Response><Errors><Error>):
//
//   - DescribeRegions: the account's Regions; without AllRegions only the
//     enabled ones (opt-in-not-required, opted-in), with it all, each
//     with its OptInStatus.
//   - DescribeInstances: the instances of the Region called, with
//     MaxResults (5 to 1,000) and NextToken, and the filter
//     instance-state-name; each in a reservation of its own, with its
//     state and IAM instance profile.

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

func (s *Server) serveEC2(w http.ResponseWriter, req *request) {
	var run func(acct *Account) (*xmlw, *apiError)
	switch req.action {
	case "DescribeRegions":
		run = func(acct *Account) (*xmlw, *apiError) { return describeRegions(acct, req) }
	case "DescribeInstances":
		run = func(acct *Account) (*xmlw, *apiError) { return s.describeInstances(acct, req) }
	default:
		e := errorf(400, "InvalidAction", "The action %s is not valid for this web service.", req.action)
		s.record(req, e)
		writeEC2Error(w, e)
		return
	}
	s.restOp(w, req, func(acct *Account) (any, *apiError) { return run(acct) }, func(w http.ResponseWriter, out any, e *apiError) {
		if e != nil {
			writeEC2Error(w, e)
			return
		}
		x := out.(*xmlw)
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.Header().Set("Content-Length", strconv.Itoa(x.b.Len()))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(x.b.Bytes())
	})
}

// writeEC2Error writes EC2's error document.
func writeEC2Error(w http.ResponseWriter, e *apiError) {
	x := &xmlw{}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?><Response>`)
	x.in("Errors", func() {
		x.in("Error", func() {
			x.elem("Code", e.code)
			x.elem("Message", e.message)
		})
	})
	x.elem("RequestID", "00000000-0000-0000-0000-000000000000")
	x.raw(`</Response>`)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(x.b.Bytes())
}

func ec2Response(action string) *xmlw {
	x := &xmlw{}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?><` + action + `Response xmlns="` + ec2Namespace + `">`)
	x.elem("requestId", "00000000-0000-0000-0000-000000000000")
	return x
}

func describeRegions(acct *Account, req *request) (*xmlw, *apiError) {
	all := req.form.Get("AllRegions") == "true"
	x := ec2Response("DescribeRegions")
	x.in("regionInfo", func() {
		for _, r := range acct.Resources.regions() {
			if !all && r.OptInStatus == "not-opted-in" {
				continue
			}
			x.in("item", func() {
				x.elem("regionName", r.Name)
				x.elem("regionEndpoint", "ec2."+r.Name+".amazonaws.com")
				x.elem("optInStatus", r.OptInStatus)
			})
		}
	})
	x.raw(`</DescribeRegionsResponse>`)
	return x, nil
}

// instanceStateCodes are EC2's codes of the instance states.
var instanceStateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

func (s *Server) describeInstances(acct *Account, req *request) (*xmlw, *apiError) {
	limit := 1000
	if v := req.form.Get("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 1000 {
			return nil, errorf(400, "InvalidParameterValue", "Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", v)
		}
		limit = n
	}
	var states []string
	for i := 1; req.form.Has("Filter." + strconv.Itoa(i) + ".Name"); i++ {
		prefix := "Filter." + strconv.Itoa(i)
		name := req.form.Get(prefix + ".Name")
		if name != "instance-state-name" {
			return nil, errorf(400, "InvalidParameterValue", "fakeaws: the filter %s is not implemented", name)
		}
		for j := 1; req.form.Has(prefix + ".Value." + strconv.Itoa(j)); j++ {
			states = append(states, req.form.Get(prefix+".Value."+strconv.Itoa(j)))
		}
	}
	var instances []Instance
	if acct.Resources != nil {
		for _, in := range inRegion(acct.Resources.Instances, req.region, func(i Instance) string { return i.Region }) {
			if states == nil || slices.Contains(states, in.State) {
				instances = append(instances, in)
			}
		}
	}
	items, next, e := resourcePage(s, instances, req.form.Get("NextToken"), limit)
	if e != nil {
		e.code = "InvalidPaginationToken"
		return nil, e
	}
	x := ec2Response("DescribeInstances")
	x.in("reservationSet", func() {
		for _, in := range items {
			x.in("item", func() {
				x.elem("reservationId", "r-"+strings.TrimPrefix(in.ID, "i-"))
				x.elem("ownerId", acct.ID)
				x.in("instancesSet", func() {
					x.in("item", func() {
						x.elem("instanceId", in.ID)
						x.in("instanceState", func() {
							x.elem("code", strconv.Itoa(instanceStateCodes[in.State]))
							x.elem("name", in.State)
						})
						if in.InstanceProfileARN != "" {
							x.in("iamInstanceProfile", func() {
								x.elem("arn", in.InstanceProfileARN)
								x.elem("id", "AIPA"+strings.ToUpper(strings.TrimPrefix(in.ID, "i-")))
							})
						}
						if in.Name != "" {
							x.in("tagSet", func() {
								x.in("item", func() {
									x.elem("key", "Name")
									x.elem("value", in.Name)
								})
							})
						}
					})
				})
			})
		}
	})
	if next != "" {
		x.elem("nextToken", next)
	}
	x.raw(`</DescribeInstancesResponse>`)
	return x, nil
}
