package fixlone

import "example.com/srvalias"

func thirdParty() {
	_ = &srvalias.Server{} // want `http\.Server literal sets neither`
}
