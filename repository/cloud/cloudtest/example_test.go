package cloudtest_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// A test obtains a token the way the LMS does (an authorization code redeemed at the token endpoint) and lists
// a folder with a PROPFIND. In a test, cloudtest.NewServer(t, opts) starts the server and closes it when the
// test ends; outside one, New and Close do the same.
func ExampleNewServer() {
	srv, err := cloudtest.New(cloudtest.Options{RedirectURI: "https://lms.example.org/cloud/callback"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddUser("alice", "alice-password", "alice@example.org", "Alice")
	srv.WriteFile("alice", "/Documents/report.pdf", []byte("%PDF-1.7"))
	srv.Mkdir("alice", "/Documents/Archive")

	// The code the login page would put on the redirect, redeemed with Basic client authentication.
	code := srv.AuthorizeCode("alice", "some-state", "")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://lms.example.org/cloud/callback"}}
	req, _ := http.NewRequest("POST", srv.URL+"index.php/apps/oauth2/api/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ocrepo", "secret")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	var token struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&token)
	resp.Body.Close()
	fmt.Println("token for", token.UserID)

	body := `<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
	  <d:prop><d:resourcetype/><d:getcontentlength/><oc:permissions/></d:prop></d:propfind>`
	req, _ = http.NewRequest("PROPFIND", srv.URL+"remote.php/dav/files/alice/Documents/", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	req.Header.Set("Depth", "1")
	resp, err = srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var listing struct {
		Responses []struct {
			Href        string `xml:"DAV: href"`
			Permissions string `xml:"propstat>prop>permissions"`
		} `xml:"DAV: response"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&listing); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode)
	for _, r := range listing.Responses {
		fmt.Println(r.Href, r.Permissions)
	}
	fmt.Println("token calls:", srv.Count(cloudtest.EPToken), "PROPFINDs:", srv.CountMethod(cloudtest.EPWebDAV, "PROPFIND"))
	// Output:
	// token for alice
	// 207
	// /remote.php/dav/files/alice/Documents/ RGDNVCK
	// /remote.php/dav/files/alice/Documents/Archive/ RGDNVCK
	// /remote.php/dav/files/alice/Documents/report.pdf RGDNVW
	// token calls: 1 PROPFINDs: 1
}
