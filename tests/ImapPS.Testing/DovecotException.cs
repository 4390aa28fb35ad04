using System;

namespace ImapPS.Testing
{
    /// <summary>A private Dovecot instance could not be started, driven or stopped.</summary>
    public sealed class DovecotException : Exception
    {
        /// <summary>Creates an exception with a message.</summary>
        public DovecotException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and its cause.</summary>
        public DovecotException(string message, Exception? innerException) : base(message, innerException) { }
    }
}
