namespace ImapPS.Testing
{
    /// <summary>A user of a <see cref="DovecotServer"/> and its plain-text password.</summary>
    public sealed class TestUser
    {
        /// <summary>Creates a user record.</summary>
        public TestUser(string name, string password)
        {
            Name = name;
            Password = password;
        }

        /// <summary>The login name.</summary>
        public string Name { get; }

        /// <summary>The password, exactly as LOGIN or AUTHENTICATE must send it.</summary>
        public string Password { get; }

        /// <inheritdoc />
        public override string ToString() => Name;
    }
}
