package fakeaws

// AWS KMS, as far as iamsweep refs reads it, over JSON 1.1
// (X-Amz-Target TrentService.<Action>):
//
//   - ListKeys: the keys of the Region called, with Limit (1 to 1,000,
//     default 100) and Marker; Truncated says whether more follow.
//   - GetKeyPolicy: the policy of a key (by ID or ARN); PolicyName
//     "default" is the only one (and the default when absent); an unknown
//     key is a NotFoundException.

const kmsTargetPrefix = "TrentService"

var kmsActions = map[string]jsonAction{
	"ListKeys":     listKeys,
	"GetKeyPolicy": getKeyPolicy,
}

func keyARN(acct *Account, k Key) string {
	return "arn:aws:kms:" + k.Region + ":" + acct.ID + ":key/" + k.ID
}

func listKeys(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		Limit  *int
		Marker string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 1000 {
			return nil, errorf(400, "ValidationException", "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		limit = *in.Limit
	}
	var keys []Key
	if acct.Resources != nil {
		keys = inRegion(acct.Resources.Keys, req.region, func(k Key) string { return k.Region })
	}
	items, next, e := resourcePage(s, keys, in.Marker, limit)
	if e != nil {
		e.code = "InvalidMarkerException"
		return nil, e
	}
	type entry struct{ KeyId, KeyArn string }
	out := struct {
		Keys       []entry
		NextMarker string `json:",omitempty"`
		Truncated  bool
	}{Keys: []entry{}, NextMarker: next, Truncated: next != ""}
	for _, k := range items {
		out.Keys = append(out.Keys, entry{KeyId: k.ID, KeyArn: keyARN(acct, k)})
	}
	return out, nil
}

func getKeyPolicy(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct{ KeyId, PolicyName string }
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if in.PolicyName != "" && in.PolicyName != "default" {
		return nil, errorf(400, "NotFoundException", "No such policy exists")
	}
	if acct.Resources != nil {
		for _, k := range acct.Resources.Keys {
			if k.Region == req.region && (k.ID == in.KeyId || keyARN(acct, k) == in.KeyId) {
				return map[string]string{"Policy": k.Policy, "PolicyName": "default"}, nil
			}
		}
	}
	return nil, errorf(400, "NotFoundException", "Key '%s' does not exist", in.KeyId)
}
