#!/bin/sh
# Run inside ./Dockerfile (stage musl-deps): make /musl, what CPython's extension modules link against with
# musl-gcc. lib/ already holds the Alpine base's libssl, libcrypto, libz, liblzma and libuuid (the image runs with
# exactly those); their headers come from Debian's -dev packages (same upstream versions' API), with the kernel
# headers (Alpine's linux-headers). libffi, bzip2 and SQLite are built from the Debian sources in /src as static,
# position-independent libraries. Also installs the `musl-cc` compiler wrapper that compile.sh uses.
set -eu

mkdir -p /musl/include
cd /musl/lib
for lib in ssl crypto z lzma uuid; do ln -s "lib$lib.so."* "lib$lib.so"; done
cd /usr/include
cp -r openssl zlib.h zconf.h lzma.h lzma uuid linux asm-generic /musl/include/
cp x86_64-linux-gnu/openssl/* /musl/include/openssl/
cp -r x86_64-linux-gnu/asm /musl/include/
# The freshly built python must find those libraries while it is built (only musl's loader reads this file).
echo /musl/lib >/etc/ld-musl-x86_64.path
# CPython's configure compares `$CC --print-multiarch` with the target it detects (x86_64-linux-musl).
# (3.11's setup.py asks `-print-multiarch`, and would add glibc's include directory for its answer.)
cat >/usr/local/bin/musl-cc <<'SH'
#!/bin/sh
case ${1:-} in -print-multiarch | --print-multiarch) exec echo x86_64-linux-musl ;; esac
exec musl-gcc "$@"
SH
chmod 755 /usr/local/bin/musl-cc

export CC=musl-cc CPPFLAGS=-I/musl/include CFLAGS="-O2 -fPIC"
cd /src
for f in *.orig.tar.*; do tar -xf "$f"; done
(
  cd libffi-*/
  ./configure --prefix=/musl --disable-shared --disable-docs --disable-exec-static-tramp --with-pic
  make -j"$(nproc)"
  make install
)
(
  cd bzip2-*/
  make -j"$(nproc)" libbz2.a CC="$CC" CFLAGS="$CFLAGS -D_FILE_OFFSET_BITS=64"
  cp libbz2.a /musl/lib/
  cp bzlib.h /musl/include/
)
(
  # The amalgamation (one C file, generated with tclsh) compiles faster than the library's many files.
  cd sqlite3-*/
  ./configure --disable-shared --disable-tcl
  make sqlite3.c
  # shellcheck disable=SC2086  # CPPFLAGS and CFLAGS are lists of words
  $CC $CPPFLAGS $CFLAGS -c sqlite3.c
  ar rcs /musl/lib/libsqlite3.a sqlite3.o
  cp sqlite3.h /musl/include/
)
rm -rf /src/*
echo "CPU time (user, system) of this shell and its children:"
times
