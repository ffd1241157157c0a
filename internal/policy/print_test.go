package policy

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   doc
		want string
	}{
		{
			name: "zero document",
			in:   doc{},
			want: `{}`,
		},
		{
			name: "empty statement list",
			in:   doc{Version: "2012-10-17", Statements: []stmt{}},
			want: `{"Version":"2012-10-17","Statement":[]}`,
		},
		{
			name: "element order",
			in: doc{ID: "id-1", Version: "2012-10-17", Statements: []stmt{{
				Conditions:   []cond{{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}}},
				NotResources: []string{"nr"},
				Resources:    []string{"r"},
				NotActions:   []string{"na"},
				Actions:      []string{"a"},
				NotPrincipal: aws("np"),
				Principal:    aws("p"),
				Effect:       "Allow",
				Sid:          "S1",
			}}},
			want: `{"Version":"2012-10-17","Id":"id-1","Statement":[{"Sid":"S1","Effect":"Allow","Principal":{"AWS":"p"},"NotPrincipal":{"AWS":"np"},` +
				`"Action":"a","NotAction":"na","Resource":"r","NotResource":"nr","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
		},
		{
			name: "single values as strings, several as lists",
			in: doc{Statements: []stmt{{
				Effect:    "Allow",
				Actions:   []string{"s3:GetObject", "s3:PutObject"},
				Resources: []string{"*"},
				Conditions: []cond{
					{Operator: "StringEquals", Key: "a", Values: []string{"1"}},
					{Operator: "StringEquals", Key: "b", Values: []string{"1", "2"}},
				},
			}}},
			want: `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*","Condition":{"StringEquals":{"a":"1","b":["1","2"]}}}]}`,
		},
		{
			name: "empty lists kept, nil lists omitted",
			in:   doc{Statements: []stmt{{Actions: []string{}, Conditions: []cond{{Operator: "Null", Key: "k", Values: []string{}}}}}},
			want: `{"Statement":[{"Action":[],"Condition":{"Null":{"k":[]}}}]}`,
		},
		{
			name: "empty statement",
			in:   doc{Statements: []stmt{{}}},
			want: `{"Statement":[{}]}`,
		},
		{
			name: "wildcard principal",
			in:   doc{Statements: []stmt{{Principal: &iamsweep.Principals{Wildcard: true}}}},
			want: `{"Statement":[{"Principal":"*"}]}`,
		},
		{
			name: "principal types sorted",
			in: doc{Statements: []stmt{{Principal: &iamsweep.Principals{ByType: map[string][]string{
				"Service":       {"ecs-tasks.amazonaws.com", "lambda.amazonaws.com"},
				"AWS":           {"arn:aws:iam::123456789012:root"},
				"Federated":     {"accounts.google.com"},
				"CanonicalUser": {"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
			}}}}},
			want: `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::123456789012:root","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",` +
				`"Federated":"accounts.google.com","Service":["ecs-tasks.amazonaws.com","lambda.amazonaws.com"]}}]}`,
		},
		{
			name: "empty and null principal values",
			in:   doc{Statements: []stmt{{Principal: &iamsweep.Principals{ByType: map[string][]string{"AWS": {}, "Service": nil}}}}},
			want: `{"Statement":[{"Principal":{"AWS":[],"Service":null}}]}`,
		},
		{
			name: "unsorted conditions grouped by operator",
			in: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "StringLike", Key: "z", Values: []string{"1"}},
				{Operator: "Bool", Key: "b", Values: []string{"true"}},
				{Operator: "StringLike", Key: "a", Values: []string{"2"}},
				{Operator: "ArnLike", Key: "aws:SourceArn", Values: []string{"arn:aws:sns:*"}},
				{Operator: "Bool", Key: "a", Values: []string{"false"}},
			}}}},
			want: `{"Statement":[{"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"},"Bool":{"b":"true","a":"false"},"StringLike":{"z":"1","a":"2"}}}]}`,
		},
		{
			name: "strings escaped, HTML characters not",
			in:   doc{Statements: []stmt{{Sid: "a\"b\\c\nd", Resources: []string{"arn:aws:s3:::b/<x>&y/ü/\u2028"}}}},
			want: "{\"Statement\":[{\"Sid\":\"a\\\"b\\\\c\\nd\",\"Resource\":\"arn:aws:s3:::b/<x>&y/ü/\u2028\"}]}",
		},
		{
			name: "duplicate condition keys built by hand still print",
			in: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "StringEquals", Key: "a", Values: []string{"1"}},
				{Operator: "StringEquals", Key: "a", Values: []string{"2"}},
			}}}},
			want: `{"Statement":[{"Condition":{"StringEquals":{"a":"1","a":"2"}}}]}`,
		},
		{
			name: "invalid UTF-8 built by hand printed as U+FFFD",
			in:   doc{Statements: []stmt{{Sid: "a\xffb", Actions: []string{"x"}}}},
			want: `{"Statement":[{"Sid":"a` + "\uFFFD" + `b","Action":"x"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Marshal(tt.in)
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Marshal mismatch (-want +got):\n%s", diff)
			}
			if !json.Valid(got) {
				t.Errorf("Marshal produced invalid JSON: %s", got)
			}
		})
	}
}

// TestMarshal_doesNotSortInput checks that printing leaves the caller's
// conditions in their order.
func TestMarshal_doesNotSortInput(t *testing.T) {
	conds := []cond{
		{Operator: "StringLike", Key: "z", Values: []string{"1"}},
		{Operator: "Bool", Key: "b", Values: []string{"true"}},
	}
	want := append([]cond(nil), conds...)
	Marshal(doc{Statements: []stmt{{Conditions: conds}}})
	if diff := cmp.Diff(want, conds); diff != "" {
		t.Errorf("Marshal changed its input (-want +got):\n%s", diff)
	}
}

// TestMarshal_roundTrip checks Parse(Marshal(d)) == d for documents of the
// shapes Parse produces.
func TestMarshal_roundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   doc
	}{
		{name: "zero", in: doc{}},
		{name: "no statements", in: doc{Version: "2012-10-17", ID: "x", Statements: []stmt{}}},
		{name: "empty statement", in: doc{Statements: []stmt{{}}}},
		{
			name: "identity policy",
			in: doc{Version: "2012-10-17", Statements: []stmt{
				{Sid: "Read", Effect: "Allow", Actions: []string{"s3:GetObject", "s3:List*"}, Resources: []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}},
				{Effect: "Deny", NotActions: []string{"iam:*"}, NotResources: []string{"*"}},
			}},
		},
		{
			name: "trust policy",
			in: doc{Version: "2012-10-17", Statements: []stmt{{
				Effect:     "Allow",
				Principal:  &iamsweep.Principals{ByType: map[string][]string{"AWS": {"arn:aws:iam::111111111111:root"}, "Service": {"ec2.amazonaws.com", "lambda.amazonaws.com"}}},
				Actions:    []string{"sts:AssumeRole", "sts:TagSession"},
				Conditions: []cond{{Operator: "StringEquals", Key: "sts:ExternalId", Values: []string{"a+b %20"}}},
			}}},
		},
		{
			name: "wildcard principal and NotPrincipal",
			in: doc{Statements: []stmt{
				{Effect: "Allow", Principal: &iamsweep.Principals{Wildcard: true}},
				{Effect: "Deny", NotPrincipal: &iamsweep.Principals{ByType: map[string][]string{"AWS": {}}}},
				{Principal: &iamsweep.Principals{ByType: map[string][]string{}}},
				{Principal: &iamsweep.Principals{ByType: map[string][]string{"Federated": nil}}},
			}},
		},
		{
			name: "conditions",
			in: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}},
				{Operator: "ForAllValues:StringEquals", Key: "aws:TagKeys", Values: []string{}},
				{Operator: "ForAnyValue:StringLike", Key: "aws:PrincipalTag/team", Values: []string{"a", "b", "c"}},
				{Operator: "NumericLessThan", Key: "aws:MultiFactorAuthAge", Values: []string{"3600"}},
				{Operator: "NumericLessThan", Key: "s3:max-keys", Values: []string{"10"}},
			}}}},
		},
		{
			name: "empty strings",
			in:   doc{Statements: []stmt{{Actions: []string{""}, Resources: []string{"", ""}, Conditions: []cond{{Operator: "", Key: "", Values: []string{""}}}}}},
		},
		{
			name: "unicode and escapes",
			in:   doc{ID: "\u00e9\t\"\\/", Statements: []stmt{{Sid: "\u2028\U0001F600", Resources: []string{"arn:aws:s3:::tëam/ü/*"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			printed := Marshal(tt.in)
			got, err := Parse(printed)
			if err != nil {
				t.Fatalf("Parse(Marshal(d)) of %s: %v", printed, err)
			}
			if diff := cmp.Diff(tt.in, got); diff != "" {
				t.Errorf("Parse(Marshal(d)) mismatch (-want +got), printed %s:\n%s", printed, diff)
			}
			if again := Marshal(got); string(again) != string(printed) {
				t.Errorf("Marshal not stable: %s, then %s", printed, again)
			}
		})
	}
}

// TestMarshal_roundTripParsed checks the round trip from text, with every
// element in the shapes IAM accepts.
func TestMarshal_roundTripParsed(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty object", in: `{}`},
		{name: "null statement", in: `{"Statement":null}`},
		{name: "single statement", in: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		{name: "null principal value", in: `{"Statement":[{"Principal":{"AWS":null,"Service":[]}}]}`},
		{name: "duplicate keys", in: `{"Statement":{"Condition":{"StringEquals":{"a":"1","a":"2"},"StringEquals":{"b":true}}}}`},
		{name: "numbers", in: `{"Statement":{"Condition":{"NumericEquals":{"a":[1,-0.5,1e3,1E-2]}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			printed := Marshal(d)
			got, err := Parse(printed)
			if err != nil {
				t.Fatalf("Parse(Marshal(d)) of %s: %v", printed, err)
			}
			if diff := cmp.Diff(d, got); diff != "" {
				t.Errorf("Parse(Marshal(d)) mismatch (-want +got), printed %s:\n%s", printed, diff)
			}
		})
	}
}
