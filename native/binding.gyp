{
  "targets": [
    {
      "target_name": "splitkey_native",
      "sources": ["splitkey_native.c"],
      "include_dirs": ["/usr/include/decaf"],
      "libraries": ["-ldecaf"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
