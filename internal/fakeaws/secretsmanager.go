package fakeaws

// AWS Secrets Manager, as far as iamsweep refs reads it, over JSON 1.1
// (X-Amz-Target secretsmanager.<Action>):
//
//   - ListSecrets: the secrets of the Region called, with MaxResults (1 to
//     100) and NextToken.
//   - GetResourcePolicy: of a secret (by name or ARN), its ARN, Name and
//     ResourcePolicy (absent for none); an unknown secret is
//     ResourceNotFoundException.

const secretsTargetPrefix = "secretsmanager"

var secretsActions = map[string]jsonAction{
	"ListSecrets":       listSecrets,
	"GetResourcePolicy": getResourcePolicy,
}

func secretARN(acct *Account, x Secret) string {
	return "arn:aws:secretsmanager:" + x.Region + ":" + acct.ID + ":secret:" + x.Name + "-AbCdEf"
}

func listSecrets(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		MaxResults *int
		NextToken  string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, errorf(400, "InvalidParameterException", "MaxResults must be between 1 and 100")
		}
		limit = *in.MaxResults
	}
	var secrets []Secret
	if acct.Resources != nil {
		secrets = inRegion(acct.Resources.Secrets, req.region, func(x Secret) string { return x.Region })
	}
	items, next, e := resourcePage(s, secrets, in.NextToken, limit)
	if e != nil {
		e.code = "InvalidNextTokenException"
		return nil, e
	}
	type entry struct{ ARN, Name string }
	out := struct {
		SecretList []entry
		NextToken  string `json:",omitempty"`
	}{SecretList: []entry{}, NextToken: next}
	for _, x := range items {
		out.SecretList = append(out.SecretList, entry{ARN: secretARN(acct, x), Name: x.Name})
	}
	return out, nil
}

func getResourcePolicy(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct{ SecretId string }
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if acct.Resources != nil {
		for _, x := range acct.Resources.Secrets {
			if x.Region == req.region && (x.Name == in.SecretId || secretARN(acct, x) == in.SecretId) {
				out := map[string]string{"ARN": secretARN(acct, x), "Name": x.Name}
				if x.Policy != "" {
					out["ResourcePolicy"] = x.Policy
				}
				return out, nil
			}
		}
	}
	return nil, errorf(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}
