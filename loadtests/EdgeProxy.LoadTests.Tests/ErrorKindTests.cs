using EdgeProxy.LoadTests.Http;

namespace EdgeProxy.LoadTests.Tests;

public class ErrorKindTests
{
    /// <summary>The names are in JSON reports that tooling compares across runs: append only.</summary>
    [Fact]
    public void NamesAndValuesArePinned()
    {
        var expected = new (ErrorKind Kind, int Value, string Name)[]
        {
            (ErrorKind.None, 0, "none"),
            (ErrorKind.UnexpectedStatus, 1, "unexpected_status"),
            (ErrorKind.ConnectFailed, 2, "connect_failed"),
            (ErrorKind.Timeout, 3, "timeout"),
            (ErrorKind.ConnectionClosed, 4, "connection_closed"),
            (ErrorKind.ProtocolError, 5, "protocol_error"),
            (ErrorKind.Missed, 6, "missed"),
        };

        Assert.Equal(expected.Length, Enum.GetValues<ErrorKind>().Length);
        foreach (var (kind, value, name) in expected)
        {
            Assert.Equal(value, (int)kind);
            Assert.Equal(name, kind.Name());
        }
    }
}
