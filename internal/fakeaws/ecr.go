package fakeaws

// Amazon ECR, as far as iamsweep refs reads it, over JSON 1.1 (X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.<Action>):
//
//   - DescribeRepositories: the repositories of the Region called, with
//     maxResults (1 to 1,000, default 100) and nextToken.
//   - GetRepositoryPolicy: a repository's policyText; a repository without
//     a policy is RepositoryPolicyNotFoundException, an unknown one
//     RepositoryNotFoundException.

const ecrTargetPrefix = "AmazonEC2ContainerRegistry_V20150921"

var ecrActions = map[string]jsonAction{
	"DescribeRepositories": describeRepositories,
	"GetRepositoryPolicy":  getRepositoryPolicy,
}

func repositoryARN(acct *Account, r Repository) string {
	return "arn:aws:ecr:" + r.Region + ":" + acct.ID + ":repository/" + r.Name
}

func describeRepositories(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		MaxResults *int   `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errorf(400, "InvalidParameterException", "maxResults must be between 1 and 1000")
		}
		limit = *in.MaxResults
	}
	var repos []Repository
	if acct.Resources != nil {
		repos = inRegion(acct.Resources.Repositories, req.region, func(r Repository) string { return r.Region })
	}
	items, next, e := resourcePage(s, repos, in.NextToken, limit)
	if e != nil {
		e.code = "InvalidParameterException"
		return nil, e
	}
	type repo struct {
		RepositoryArn  string `json:"repositoryArn"`
		RepositoryName string `json:"repositoryName"`
		RegistryID     string `json:"registryId"`
	}
	out := struct {
		Repositories []repo `json:"repositories"`
		NextToken    string `json:"nextToken,omitempty"`
	}{Repositories: []repo{}, NextToken: next}
	for _, r := range items {
		out.Repositories = append(out.Repositories, repo{RepositoryArn: repositoryARN(acct, r), RepositoryName: r.Name, RegistryID: acct.ID})
	}
	return out, nil
}

func getRepositoryPolicy(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		RepositoryName string `json:"repositoryName"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if acct.Resources != nil {
		for _, r := range acct.Resources.Repositories {
			if r.Region != req.region || r.Name != in.RepositoryName {
				continue
			}
			if r.Policy == "" {
				return nil, errorf(400, "RepositoryPolicyNotFoundException", "Repository policy does not exist for the repository with name '%s'", r.Name)
			}
			return map[string]string{"registryId": acct.ID, "repositoryName": r.Name, "policyText": r.Policy}, nil
		}
	}
	return nil, errorf(400, "RepositoryNotFoundException", "The repository with name '%s' does not exist", in.RepositoryName)
}
