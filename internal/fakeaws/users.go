package fakeaws

// listAccessKeys answers ListAccessKeys for the named user.
func (s *Server) listAccessKeys(acct *Account, req *request, x *xmlw) *apiError {
	name := req.form.Get("UserName")
	if name == "" {
		// IAM would use the caller's own user; the fake has no caller
		// identity, and iamsweep always names the user.
		return errorf(400, "ValidationError", "fakeaws: ListAccessKeys needs UserName")
	}
	u := findUser(acct, name)
	if u == nil {
		return errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
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

// findUser finds a user by name, as IAM does: regardless of case.
func findUser(acct *Account, name string) *User {
	for _, u := range acct.Users {
		if equalFold(u.Name, name) {
			return u
		}
	}
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
	x.elem("Path", u.Path)
	x.elem("UserName", u.Name)
	x.elem("UserId", u.ID)
	x.elem("Arn", u.ARN(acct.ID))
	x.time("CreateDate", u.Created)
	x.inlinePolicies("UserPolicyList", u.Inline)
	if len(u.Groups) == 0 {
		x.empty("GroupList")
	} else {
		x.open("GroupList")
		for _, g := range u.Groups {
			x.elem("member", g)
		}
		x.close("GroupList")
	}
	x.attachedPolicies(u.Attached)
	x.boundary(u.Boundary)
	x.tags(u.Tags)
	x.close("member")
	u.xml = x.b.Bytes()
	return u.xml
}
