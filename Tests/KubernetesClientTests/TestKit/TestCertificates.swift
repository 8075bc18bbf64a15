/// A test CA, a server certificate it signed for IP 127.0.0.1, and a client certificate it
/// signed, all P-256, made once with `openssl req` / `openssl x509 -req` (100 years). Test-only:
/// they protect nothing, and nothing outside these tests trusts the CA.
enum TestCertificates {
    static let authorityPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBvzCCAWWgAwIBAgIUCOEG1m/OvqQhktmNI37fnrsQTrowCgYIKoZIzj0EAwIw
        LDEqMCgGA1UEAwwha3ViZXJuZXRlcy1jbGllbnQtdGVzdC1jYS5pbnZhbGlkMCAX
        DTI2MTIwMzExMzUzOFoYDzIxMjYxMTA5MTEzNTM4WjAsMSowKAYDVQQDDCFrdWJl
        cm5ldGVzLWNsaWVudC10ZXN0LWNhLmludmFsaWQwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAATYx24DmnKij7TZ0H9heH4NqJM1NC6PvAqNiztchbJiMYRH031df9/C
        okdXfaWk87EzPdKgWqPA4g7WTszYC//Fo2MwYTAdBgNVHQ4EFgQUrkODEeYZvcE6
        nUP7OrUvwVdcAYkwHwYDVR0jBBgwFoAUrkODEeYZvcE6nUP7OrUvwVdcAYkwDwYD
        VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIg
        LwZherUZ+ACMJ4LI/n8k/gafQkq6MoiVMkLPXoDIfAoCIQDuqqOGM1f20dwQV9FI
        sLYLGRMkxTD12MRBXTTglFkNkw==
        -----END CERTIFICATE-----
        """

    static let serverCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBtzCCAV2gAwIBAgIUM+a16IbDd8zdGGm6aEIqgye4d3EwCgYIKoZIzj0EAwIw
        LDEqMCgGA1UEAwwha3ViZXJuZXRlcy1jbGllbnQtdGVzdC1jYS5pbnZhbGlkMCAX
        DTI2MTIwMzExMzUzOFoYDzIxMjYxMTA5MTEzNTM4WjAUMRIwEAYDVQQDDAkxMjcu
        MC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARz+1t1PbSlRto/nC2/Hyec
        MXcz6uRh5IWUKzwMY7j8EU6rhp/cHttRgb/LB8LUp+4QR7lASSIO9VRivqw7ZX0Q
        o3MwcTAPBgNVHREECDAGhwR/AAABMBMGA1UdJQQMMAoGCCsGAQUFBwMBMAkGA1Ud
        EwQCMAAwHQYDVR0OBBYEFJSWdLtfFe91IGxF4iVlkKta1X+vMB8GA1UdIwQYMBaA
        FK5DgxHmGb3BOp1D+zq1L8FXXAGJMAoGCCqGSM49BAMCA0gAMEUCIQDWPNViOfPD
        hFhofIf5FKQH2Df1uAhsCy7DXQ/ZAmd7TwIgX63747sIhKhxvlXLVlAioakQpnqP
        atgYScnmzzrHd70=
        -----END CERTIFICATE-----
        """

    static let serverKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJlIMkTcnTDI5VTVa
        6+ofnExnZXJk89x5HxZ0DVeD0QuhRANCAARz+1t1PbSlRto/nC2/HyecMXcz6uRh
        5IWUKzwMY7j8EU6rhp/cHttRgb/LB8LUp+4QR7lASSIO9VRivqw7ZX0Q
        -----END PRIVATE KEY-----
        """

    static let clientCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBxjCCAW2gAwIBAgIUM+a16IbDd8zdGGm6aEIqgye4d3IwCgYIKoZIzj0EAwIw
        LDEqMCgGA1UEAwwha3ViZXJuZXRlcy1jbGllbnQtdGVzdC1jYS5pbnZhbGlkMCAX
        DTI2MTIwMzExMzUzOFoYDzIxMjYxMTA5MTEzNTM4WjA1MRwwGgYDVQQDDBNpcHZz
        Y3RsLXRlc3QtY2xpZW50MRUwEwYDVQQKDAxzeXN0ZW06bm9kZXMwWTATBgcqhkjO
        PQIBBggqhkjOPQMBBwNCAAT48vSXgc1NsSTFHZnodkBRZ/Fx+WBGlb64AZ/gIQSy
        Kj3uc/YIxJladT2yOAm3OaP8e+ZwwnquSiMze6/5TnAXo2IwYDATBgNVHSUEDDAK
        BggrBgEFBQcDAjAJBgNVHRMEAjAAMB0GA1UdDgQWBBT0IFMn11UDYvY03HY5QDRK
        YVr3jjAfBgNVHSMEGDAWgBSuQ4MR5hm9wTqdQ/s6tS/BV1wBiTAKBggqhkjOPQQD
        AgNHADBEAiApQfmt58KIcImaQgD4crGOH6DFXNZI6t/0xa2y27lb/AIgCE7CrCTJ
        kd38vfVPcVjlgXHc69y3KXlxzA2o9g+SktA=
        -----END CERTIFICATE-----
        """

    static let clientKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzr9n0ZXcgoG30Gji
        F4uxBgOa9nMDxa2tRxnHljFCnPGhRANCAAT48vSXgc1NsSTFHZnodkBRZ/Fx+WBG
        lb64AZ/gIQSyKj3uc/YIxJladT2yOAm3OaP8e+ZwwnquSiMze6/5TnAX
        -----END PRIVATE KEY-----
        """
}
