/// A self-signed certificate and its key for the HTTPS test server, made once with
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
/// -subj "/CN=health-check-test.invalid"`. Test-only: it protects nothing and nothing trusts it
/// (the probe does not verify certificates by default, which is what the test shows; to a check
/// that verifies with ``TestCA`` it is a CA of its own, the wrong one).
enum TestCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBnzCCAUWgAwIBAgIUJwn3ciKXPe32btNxmG3tABuRyZUwCgYIKoZIzj0EAwIw
        JDEiMCAGA1UEAwwZaGVhbHRoLWNoZWNrLXRlc3QuaW52YWxpZDAgFw0yNjExMjEx
        MzM0MTBaGA8yMTI2MTAyODEzMzQxMFowJDEiMCAGA1UEAwwZaGVhbHRoLWNoZWNr
        LXRlc3QuaW52YWxpZDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFzCxVKk5j0h
        iDsMuRx6wnSZtc3kakbpW4r3ksOLODZfwwrYg0/FMWBrMz3XSW+d992GJM4a3Ad+
        8T/tn5SsaRqjUzBRMB0GA1UdDgQWBBQxgS1FJxjKP9J4QBm1BVptysxEJzAfBgNV
        HSMEGDAWgBQxgS1FJxjKP9J4QBm1BVptysxEJzAPBgNVHRMBAf8EBTADAQH/MAoG
        CCqGSM49BAMCA0gAMEUCIQDU9fc5GyrzCCJJNu9wk9R9t0v9SUc87gRxrP+oEdaE
        KQIgCp2ZnB7QhVRg/eeJ7RXEl+vMOBa397bHaw+A1yqR7fQ=
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQge+v0Ud5PYVG1ZTev
        JX0XJk3z2XDSU45n61gMX9M1tH+hRANCAARcwsVSpOY9IYg7DLkcesJ0mbXN5GpG
        6VuK95LDizg2X8MK2INPxTFgazM910lvnffdhiTOGtwHfvE/7Z+UrGka
        -----END PRIVATE KEY-----
        """
}

/// A test CA and a server certificate it signed for `web.health-check-test.invalid` (as its
/// subjectAltName), for the probes that verify. Made once with openssl 3.0:
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
/// -subj "/CN=ipvsctl-swift test CA" -addext basicConstraints=critical,CA:TRUE
/// -addext keyUsage=critical,keyCertSign,cRLSign`, then a P-256 key and request for the server
/// signed by it (`openssl x509 -req -days 36500` with subjectAltName=DNS:web.health-check-test.invalid,
/// basicConstraints=critical,CA:FALSE and extendedKeyUsage=serverAuth). Test-only, like the above.
enum TestCA {
    /// The name the server certificate carries.
    static let serverName = "web.health-check-test.invalid"

    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBpjCCAU2gAwIBAgIUb1DspZrJ0dKYz/vPL0JjvOq0qTwwCgYIKoZIzj0EAwIw
        IDEeMBwGA1UEAwwVaXB2c2N0bC1zd2lmdCB0ZXN0IENBMCAXDTI2MTIwMzE4NDUx
        OVoYDzIxMjYxMTA5MTg0NTE5WjAgMR4wHAYDVQQDDBVpcHZzY3RsLXN3aWZ0IHRl
        c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQlZKoOohaFk9gWCb7rMKh2
        Gel1H1i0nDuCimR8BGHv0KYST5J65ByyCfeWcsaZdx8feN+55prPBicL/xDAalAR
        o2MwYTAdBgNVHQ4EFgQUrRooxlgsIlCRL2Q2avYN0eWH04IwHwYDVR0jBBgwFoAU
        rRooxlgsIlCRL2Q2avYN0eWH04IwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E
        BAMCAQYwCgYIKoZIzj0EAwIDRwAwRAIgCSDlJeGk+CVuU9wkXXrvYxBUTrIcbgOt
        XhjXiF6WGGICIBMpS99FXhvzXTRzbLHAkVjQIvbeAap5gOZqx5gT1gxh
        -----END CERTIFICATE-----
        """

    static let serverCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIB3TCCAYOgAwIBAgIUE3Mzbj5QwT5rmxgGHErQkoxMIy8wCgYIKoZIzj0EAwIw
        IDEeMBwGA1UEAwwVaXB2c2N0bC1zd2lmdCB0ZXN0IENBMCAXDTI2MTIwMzE4NDUx
        OVoYDzIxMjYxMTA5MTg0NTE5WjAoMSYwJAYDVQQDDB13ZWIuaGVhbHRoLWNoZWNr
        LXRlc3QuaW52YWxpZDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCSXXxOaza3W
        um5B79Tg7t7ZZFZfrysKA6FlglHfhlwUcmTDUL3nQ6+s8Le1b0HTdTSuJ25s5/0h
        Rs2w0BhGKfqjgZAwgY0wKAYDVR0RBCEwH4Idd2ViLmhlYWx0aC1jaGVjay10ZXN0
        LmludmFsaWQwDAYDVR0TAQH/BAIwADATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNV
        HQ4EFgQUuDifSSwR/ZcXXYnichrC3tCtmukwHwYDVR0jBBgwFoAUrRooxlgsIlCR
        L2Q2avYN0eWH04IwCgYIKoZIzj0EAwIDSAAwRQIhAItrCqXQ9pQe8Yjxc4Zk+q6p
        SFnlz6aSFSvG1RQigkAwAiBRFlg/KVy4I0teYChUHpSn2e9vOueYgEAh54cKNoMQ
        WQ==
        -----END CERTIFICATE-----
        """

    static let serverPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYz0JYz8IkQK6q/s/
        IBahy9r2FcjsqhBDW+cNk9DmI/2hRANCAAQkl18Tms2t1rpuQe/U4O7e2WRWX68r
        CgOhZYJR34ZcFHJkw1C950OvrPC3tW9B03U0ridubOf9IUbNsNAYRin6
        -----END PRIVATE KEY-----
        """
}
