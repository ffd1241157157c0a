package fakeaws

// listAccessKeys answers ListAccessKeys for the named user.
func (s *Server) listAccessKeys(acct *Account, req *request, x *xmlw) *apiError {
	name := req.form.Get("UserName")
	if name == "" {
		// IAM would use the caller's own user; the fake has no caller
		// identity, and iamsweep always names the user.
		return errorf(400, "ValidationError", "fakeaws: ListAccessKeys needs UserName")
	}
	u := findNamed(acct.Users, name)
	if u == nil {
		return noSuch("user", name)
	}
	limit, e := maxItems(req, 100)
	if e != nil {
		return e
	}
	listing := "keys," + u.Name
	start, e := fromMarker(req, listing)
	if e != nil {
		return e
	}
	if start > len(u.AccessKeys) {
		return errorf(400, "ValidationError", "Invalid Marker")
	}
	end := min(start+limit, len(u.AccessKeys))
	x.open("AccessKeyMetadata")
	for _, k := range u.AccessKeys[start:end] {
		x.open("member")
		x.elem("UserName", u.Name)
		x.elem("AccessKeyId", k.ID)
		status := "Active"
		if k.Inactive {
			status = "Inactive"
		}
		x.elem("Status", status)
		x.time("CreateDate", k.Created)
		x.close("member")
	}
	x.close("AccessKeyMetadata")
	x.boolean("IsTruncated", end < len(u.AccessKeys))
	if end < len(u.AccessKeys) {
		x.elem("Marker", marker(listing, end))
	}
	return nil
}

// listAccountAliases answers ListAccountAliases: the account's one alias,
// or an empty list. MaxItems is checked as IAM checks it; a list of at
// most one item never needs a Marker.
func (s *Server) listAccountAliases(acct *Account, req *request, x *xmlw) *apiError {
	if _, e := maxItems(req, 100); e != nil {
		return e
	}
	if _, e := fromMarker(req, "aliases"); e != nil {
		return e
	}
	var aliases []string
	if acct.Alias != "" {
		aliases = append(aliases, acct.Alias)
	}
	x.list("AccountAliases", len(aliases), func(i int) { x.text(aliases[i]) })
	x.boolean("IsTruncated", false)
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// userDetail renders a UserDetail <member>, caching it on the user.
func (s *Server) userDetail(acct *Account, u *User) []byte {
	if u.xml != nil {
		return u.xml
	}
	x := &xmlw{}
	x.open("member")
	x.user(acct, u, false)
	x.inlinePolicies("UserPolicyList", u.Inline)
	x.list("GroupList", len(u.Groups), func(i int) { x.text(u.Groups[i]) })
	x.attachedPolicies(u.Attached)
	x.boundary(u.Boundary)
	x.tags(u.Tags)
	x.close("member")
	u.xml = x.b.Bytes()
	return u.xml
}
