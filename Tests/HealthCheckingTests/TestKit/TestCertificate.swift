/// A self-signed certificate and its key for the HTTPS test server, made once with
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
/// -subj "/CN=health-check-test.invalid"`. Test-only: it protects nothing and nothing trusts it
/// (the probe does not verify certificates, which is what the test shows).
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
