#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts.
exec /usr/local/bin/rapydo-certificate
