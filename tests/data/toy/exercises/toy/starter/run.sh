#!/bin/sh
echo nope
exit 1
