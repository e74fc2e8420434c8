package demo

// TopSite is topSite for the external tests.
var TopSite = topSite
