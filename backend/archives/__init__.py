"""Archives in and out of storage: zip and tar.

- `safety`: what a member may be (names, types) and how big an archive may be; the one
  place these rules live, for the core's /api/archive and for projects that unpack
  archives of their own (seadata's batch import);
- `unpack`: an archive file, validated whole, then unpacked into a collection, all or
  nothing;
- `pack`: a collection as a zip or tar, streamed while it is built.
"""
