// Reference-only stand-in for the certificate types of nanoFramework.System.Net 1.11: only the
// members the ESP32 host calls. Checked against nanoframework/System.Net:
// nanoFramework.System.Net/X509Certificates/X509Certificate.cs (X509Certificate(byte[]) taking DER or
// PEM; the string constructor there appends the NUL that mbedTLS needs after PEM text, so a PEM byte
// array must carry it too; Subject, GetEffectiveDate, GetExpirationDate) and X509Certificate2.cs
// (X509Certificate2(byte[] rawData, string key, string password), a nanoFramework-only constructor
// taking the PEM private key as a string). Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.Security.Cryptography.X509Certificates
{
    public class X509Certificate
    {
        public X509Certificate(byte[] certificate)
        {
            throw StandIn.NotForRuntime();
        }

        public virtual string Subject => throw StandIn.NotForRuntime();

        public virtual DateTime GetEffectiveDate() => throw StandIn.NotForRuntime();

        public virtual DateTime GetExpirationDate() => throw StandIn.NotForRuntime();
    }

    public class X509Certificate2 : X509Certificate
    {
        public X509Certificate2(byte[] rawData, string key, string password)
            : base(rawData)
        {
            throw StandIn.NotForRuntime();
        }
    }
}
