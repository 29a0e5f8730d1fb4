using System.Security.Cryptography.X509Certificates;
using Akka.Remote.Transport.DotNetty;

namespace DistNet.Cluster;

/// <summary>
/// TLS between nodes through Akka.Remote's DotNetty transport, with mutual authentication:
/// every node presents the certificate and accepts only peers that present it too, so a
/// process without it can neither join nor send messages. Certificates are PEM files (see
/// docs/cluster.md for a recipe that makes a self-signed pair).
/// </summary>
public static class Tls
{
    public static DotNettySslSetup Setup(string certPath, string keyPath)
    {
        var certificate = Load(certPath, keyPath);
        // Pinned by thumbprint: a self-signed certificate shared by the cluster's nodes is the
        // whole trust anchor, so no CA chain is consulted and no other certificate is accepted.
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));
    }

    public static X509Certificate2 Load(string certPath, string keyPath)
    {
        if (!File.Exists(certPath)) throw new FileNotFoundException($"{certPath}: TLS certificate not found");
        if (!File.Exists(keyPath)) throw new FileNotFoundException($"{keyPath}: TLS key not found");
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // SslStream on Linux wants a certificate whose key is not ephemeral: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"{certPath}, {keyPath}: not a PEM certificate and matching private key ({e.Message})");
        }
    }
}
