#!/bin/sh
# Run inside ./Dockerfile: configures, builds (with musl-gcc, against /musl: see musl-deps.sh) and installs the
# CPython source tarball in /src into /out/usr/local, trimmed like the official images (no test suite, no idle/tkinter/turtledemo, no static
# library, no optimisation-level-1/2 bytecode), stripped. Quick rather than fast: -O1, no PGO/LTO, no test
# modules; fails unless the modules that rendered services need import (_ssl, _ctypes, zlib, _sqlite3, ...).
set -eu

mkdir -p /src/cpython
tar -C /src/cpython --strip-components=1 -xf /src/python*.orig.tar.*
cd /src/cpython
# Alpine's OpenSSL is built without compression; Debian's headers (used here) would reference COMP_* symbols (in
# CFLAGS: 3.11's setup.py keeps only the -I options of CPPFLAGS).
# Not built: modules whose libraries the Alpine base lacks (curses, readline, dbm, tkinter).
./configure --prefix=/usr/local --enable-shared --disable-test-modules --without-ensurepip --without-system-libmpdec \
  CC=musl-cc --with-openssl=/musl CPPFLAGS=-I/musl/include CFLAGS=-DOPENSSL_NO_COMP \
  LDFLAGS="-L/musl/lib -Wl,-rpath-link,/musl/lib" OPT="-DNDEBUG -fwrapv -O1" \
  py_cv_module__curses=n/a py_cv_module__curses_panel=n/a py_cv_module_readline=n/a \
  py_cv_module__tkinter=n/a py_cv_module__dbm=n/a py_cv_module__gdbm=n/a py_cv_module_nis=n/a
make -j"$(nproc)"
LD_LIBRARY_PATH=. ./python -c 'import _bz2, _ctypes, _decimal, _hashlib, _lzma, _sqlite3, _ssl, _uuid, pyexpat, zlib'
make install DESTDIR=/out

cd /out/usr/local
lib=$(echo lib/python3.*)
rm -rf "$lib"/test "$lib"/idlelib "$lib"/tkinter "$lib"/turtledemo lib/libpython*.a
find . -depth \( -name tests -o -name test -o -name idle_test \) -type d -exec rm -rf {} +
find . -name '*.opt-[12].pyc' -delete
find . -type f \( -name '*.so' -o -name '*.so.*' -o -path './bin/python3.*' \) -exec strip --strip-unneeded {} + 2>/dev/null || true
echo "CPU time (user, system) of this shell and its children:"
times
