using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace DistNet.Cluster.Tests;

[Collection("cluster processes")]
public class SecurityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static (string Cert, string Key) SelfSigned(TempDir dir, string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=distnet", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var (certPath, keyPath) = (dir.File(name + ".crt"), dir.File(name + ".key"));
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    [Fact]
    public void With_TLS_on_a_node_without_the_certificate_or_with_another_cannot_join_and_training_is_unaffected()
    {
        using var dir = new TempDir();
        var good = SelfSigned(dir, "good");
        var other = SelfSigned(dir, "other");
        int port = NodeProcess.FreePort(), vectorPort = NodeProcess.FreePort();
        string seed = $"127.0.0.1:{port}";
        using var ps = new NodeProcess("ps", "node", "--role", "ps", "--port", port.ToString(), "--min-workers", "1",
            "--epochs", "3", "--hidden", "16", "--tls-cert", good.Cert, "--tls-key", good.Key, "--vector-port", vectorPort.ToString());
        ps.WaitFor("waiting for 1 worker", Patience);
        using var intruder = new NodeProcess("other certificate", "node", "--seed-nodes", seed, "--tls-cert", other.Cert, "--tls-key", other.Key);
        using var plain = new NodeProcess("no certificate", "node", "--seed-nodes", seed);
        ps.WaitFor("TLS handshake failed", Patience);
        // The vector channel is behind the same certificate: a plain connection gets no further than the handshake.
        ps.WaitFor($"vector channel listening on 127.0.0.1:{vectorPort}", Patience);
        using (var stranger = new System.Net.Sockets.TcpClient())
        {
            stranger.Connect(System.Net.IPAddress.Loopback, vectorPort);
            stranger.GetStream().Write([.. "DNVC"u8, 1, .. new byte[64]]); // a plain hello, which is no TLS record
            ps.WaitFor($"refused a vector channel from 127.0.0.1:{((System.Net.IPEndPoint)stranger.Client.LocalEndPoint!).Port}: TLS handshake failed", Patience);
        }
        Thread.Sleep(2000); // let both of them try
        using var member = new NodeProcess("right certificate", "node", "--seed-nodes", seed, "--tls-cert", good.Cert, "--tls-key", good.Key);

        Assert.Equal(0, ps.WaitForExit(Patience));
        var summary = ps.WaitFor(" updates, ", TimeSpan.Zero);
        Assert.Equal("120 updates, 120 tasks", summary.Trim()); // one worker registered, no other joined
        Assert.Contains("Certificate pinning failed", ps.Output);
        Assert.Contains("exactly once in each of 3 epochs", ps.Output);
        Assert.Contains("TLS handshake failed", intruder.Output);
    }

    [Fact]
    public async Task Malformed_and_foreign_messages_are_logged_and_dropped_and_the_node_carries_on()
    {
        using var dir = new TempDir();
        int port = NodeProcess.FreePort(), vectorPort = NodeProcess.FreePort();
        using var ps = new NodeProcess("ps", "node", "--role", "ps", "--port", port.ToString(), "--min-workers", "1",
            "--epochs", "3", "--hidden", "16", "--vector-port", vectorPort.ToString());
        ps.WaitFor("waiting for 1 worker", Patience);

        // Junk at the vector channel's port: refused at the hello, logged with the reason.
        ps.WaitFor($"vector channel listening on 127.0.0.1:{vectorPort}", Patience);
        using (var junk = new System.Net.Sockets.TcpClient())
        {
            junk.Connect(System.Net.IPAddress.Loopback, vectorPort);
            junk.GetStream().Write("GET / HTTP/1.1\r\n\r\n"u8);
            ps.WaitFor("not a DistNet vector channel (bad magic)", Patience);
        }

        // A stranger on the network: a plain remote actor system that is no cluster member.
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.actor.serializers.liar = "{{typeof(LyingSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(Garbage).AssemblyQualifiedName}}" = liar }
            akka.loglevel = ERROR
            """);
        using (var stranger = ActorSystem.Create("stranger", config))
        {
            var server = stranger.ActorSelection($"akka.tcp://distnet@127.0.0.1:{port}/user/server");
            server.Tell(new Garbage());              // bytes that claim to be a ComputeGradients
            server.Tell("hello from nowhere");       // a message nobody asked for
            ps.WaitFor("dropped an unexpected System.String", Patience);
            ps.WaitFor("malformed vector message", Patience);
            await stranger.Terminate();
        }

        using var worker = new NodeProcess("worker", "node", "--seed-nodes", $"127.0.0.1:{port}");
        Assert.Equal(0, ps.WaitForExit(Patience));
        Assert.Contains("exactly once in each of 3 epochs", ps.Output);
    }

    public sealed class Garbage;

    /// <summary>Writes junk under the id and manifest of DistNet's vector serializer.</summary>
    public sealed class LyingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        public override int Identifier => Serialization.VectorMessageSerializer.Id;
        public override string Manifest(object o) => "cg";
        public override byte[] ToBinary(object obj) => [1, 0xFF, 0xFF, 0xFF];
        public override object FromBinary(byte[] bytes, string manifest) => new Garbage();
    }
}
