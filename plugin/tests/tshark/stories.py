# SPDX-License-Identifier: GPL-2.0-or-later
"""Every sentence smtp-timeout writes on causes.pcap, vendors.pcap and
classes.pcap in one pass: each frame's findings, then the explanation, then
the hint (smtp_timeout.message, .why and .hint), with all their figures."""

CAUSES = {16: ['Client silent for 299.990 s after DATA (1448 bytes), since frame 9',
               '421 4.4.2 after DATA (1448 bytes): server gave up after 299.990 s of client silence',
               'The server gave up after 299.990 s, matching Postfix smtpd_timeout default (300 s); cause '
               'mtu-blackhole: full-size client segments sent again 6 times and never answered',
               'Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP '
               'fragmentation-needed on the path or clamp the TCP MSS'],
          43: ['Client silent for 180.006 s after DATA (2896 bytes), since frame 27',
               'The client gave up after 180.006 s, matching Postfix client smtp_data_xfer_timeout default (180 s); '
               'cause zero-window: the server advertised a zero window for 179.996 s',
               'Fix the server first: it stopped reading (zero window for 179.996 s); check its load, disk and '
               'content filters'],
          56: ['Client silent for 300.000 s after DATA (300 bytes), since frame 52',
               '421 4.4.2 after DATA (300 bytes): server gave up after 300.000 s of client silence',
               'The server gave up after 300.000 s, matching Postfix smtpd_timeout default (300 s); cause '
               'packet-loss: 3 segments sent again during the silence',
               'Fix the network path first: 3 segments were sent again during the silence'],
          66: ['Client silent for 300.010 s after STARTTLS, since frame 65',
               'Server closed the connection without a reply after STARTTLS: it gave up after 300.010 s of client '
               'silence',
               'The server gave up after 300.010 s, matching Postfix smtpd_timeout default (300 s); cause tls-stall: '
               'the TLS handshake after STARTTLS did not complete',
               'Fix the TLS negotiation first: check TLS versions and ciphers on both sides, and the path MTU (large '
               "certificate flights); Postfix smtpd_starttls_timeout bounds the server's wait"],
          83: ['Client silent for 300.020 s after DATA (0 bytes), since frame 82',
               '421 4.4.2 after DATA (0 bytes): server gave up after 300.020 s of client silence',
               'The server gave up after 300.020 s, matching Postfix smtpd_timeout default (300 s); cause '
               'smtp-inspection: a masked banner or XXXX commands: a firewall rewrites SMTP',
               'Turn off SMTP inspection on the firewall first (Cisco ASA: no inspect esmtp, PIX: no fixup protocol '
               'smtp 25): it masks the banner and rewrites commands'],
          94: ['Server silent for 600.003 s after END-OF-MESSAGE (24 bytes), since frame 93',
               'Client closed the connection after 600.003 s waiting for the reply to END-OF-MESSAGE (24 bytes): it '
               'gave up',
               'The client gave up after 600.003 s, matching Postfix client smtp_data_done_timeout and Exim '
               'final_timeout defaults (600 s); cause server-slow: the server did not answer; the server may have '
               'taken the message all the same, and the client, which never heard so, will send it again: a '
               'duplicate',
               'Fix the server first: it did not answer after END-OF-MESSAGE for 600.003 s (look at its milters, '
               "policy services and content filters); the client's timer: Postfix smtp_data_done_timeout, Exim "
               'final_timeout, Sendmail confTO_DATAFINAL'],
          96: ['Client reset the connection 30.001 s after the close in frame 94'],
          103: ['Client silent for 350.200 s after EHLO, since frame 102',
                'The middlebox gave up after 350.200 s, matching AWS Network Load Balancer idle timeout default (350 '
                's); cause client-idle: the client was silent with nothing else on the wire',
                'Fix the network first: raise the idle timeout of the load balancer or firewall between the hosts '
                'above the SMTP timeouts (over 300 s); it reset a connection idle for 350.200 s'],
          104: ['Client silent for 350.200 s after EHLO, since frame 102',
                'The middlebox gave up after 350.200 s, matching AWS Network Load Balancer idle timeout default (350 '
                's), resets reached both ends; cause client-idle: the client was silent with nothing else on the '
                'wire',
                'Fix the network first: raise the idle timeout of the load balancer or firewall between the hosts '
                'above the SMTP timeouts (over 300 s); it reset a connection idle for 350.200 s'],
          111: ['Client silent for 240.500 s after EHLO, since frame 110',
                'The middlebox gave up after 240.500 s, matching Azure Load Balancer idle timeout default (4 min); '
                'cause client-idle: the client was silent with nothing else on the wire',
                'Fix the network first: raise the idle timeout of the load balancer or firewall between the hosts '
                'above the SMTP timeouts (over 300 s); it reset a connection idle for 240.500 s'],
          122: ['Client silent for 300.020 s after END-OF-MESSAGE (26 bytes), since frame 121',
                '421 4.4.2 after END-OF-MESSAGE (26 bytes): server gave up after 300.020 s of client silence',
                'The server gave up after 300.020 s, matching Postfix smtpd_timeout default (300 s); cause '
                'client-idle: the client left a pooled connection idle',
                "Fix the sender first: it kept its connection idle between messages longer than the server's "
                'timeout (300.020 s here), as a connection pool or cache does; keep idle connections for less '
                '(Postfix: smtp_connection_cache_time_limit, within connection_cache_ttl_limit), or check them with '
                'NOOP before reuse'],
          125: ['Client sent 6 bytes 200.001 s after the server closed (frame 123): it stalled 500.022 s, 200.002 s '
                "past the server's 300.020 s timeout",
                'The server gave up after 300.020 s, matching Postfix smtpd_timeout default (300 s); cause '
                'client-idle: the client left a pooled connection idle',
                "Fix the sender first: it kept its connection idle between messages longer than the server's "
                'timeout (300.020 s here), as a connection pool or cache does; keep idle connections for less '
                '(Postfix: smtp_connection_cache_time_limit, within connection_cache_ttl_limit), or check them with '
                'NOOP before reuse'],
          126: ['Server reset the connection 200.002 s after the close in frame 123 (421 reply in frame 122)'],
          133: ['Client silent for 10.040 s after EHLO, since frame 132',
                '421 4.4.2 after EHLO: server gave up after 10.040 s of client silence',
                'The server gave up after 10.040 s, matching Postfix smtpd_timeout under stress (10 s), below RFC '
                "5321's 5-minute minimum; cause client-idle: the client was silent with nothing else on the wire",
                'Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process limit '
                '(default_process_limit, or maxproc of the smtp service in master.cf) rather than smtpd_timeout'],
          149: ['Client silent for 300.030 s after BDAT (4000 bytes), since frame 148',
                '421 4.4.2 after BDAT (4000 bytes): server gave up after 300.030 s of client silence',
                'The server gave up after 300.030 s, matching Postfix smtpd_timeout default (300 s); cause '
                'client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after BDAT (a milter, a content filter, the '
                "application); as a mitigation, raise Postfix smtpd_timeout (300.030 s here) above the client's "
                'stall'],
          159: ['Server silent for 120.010 s after DATA (0 bytes), since frame 158',
                'Client closed the connection after 120.010 s waiting for the reply to DATA: it gave up',
                'The client gave up after 120.010 s, matching Postfix client smtp_data_init_timeout default (120 s); '
                'cause server-slow: the server did not answer',
                'Fix the server first: it did not answer after DATA for 120.010 s (look at its milters, policy '
                "services and content filters); the client's timer: Postfix smtp_data_init_timeout, Exim "
                'command_timeout, Sendmail confTO_DATAINIT']}

VENDORS = {9: ['Client silent for 300.040 s after DATA (0 bytes), since frame 8',
               '421 4.4.2 after DATA (0 bytes): server gave up after 300.040 s of client silence',
               'The server gave up after 300.040 s, matching Postfix smtpd_timeout default (300 s); cause '
               'client-idle: the client was silent with nothing else on the wire',
               'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
               "application); as a mitigation, raise Postfix smtpd_timeout (300.040 s here) above the client's "
               'stall'],
           18: ['Client silent for 300.020 s after EHLO, since frame 17',
                '421 after EHLO: server gave up after 300.020 s of client silence',
                'The server gave up after 300.020 s, matching Exim smtp_receive_timeout default (5 min); cause '
                'client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after EHLO (a milter, a content filter, the '
                "application); as a mitigation, raise Exim smtp_receive_timeout (300.020 s here) above the client's "
                'stall'],
           29: ['Client silent for 300.020 s after DATA (0 bytes), since frame 28',
                '421 after DATA (0 bytes): server gave up after 300.020 s of client silence',
                'The server gave up after 300.020 s, matching Exim smtp_receive_timeout default (5 min); cause '
                'client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                "application); as a mitigation, raise Exim smtp_receive_timeout (300.020 s here) above the client's "
                'stall'],
           38: ['Client silent for 3600.100 s after EHLO, since frame 37',
                '421 4.4.1 after EHLO: server gave up after 3600.100 s of client silence',
                'The server gave up after 3600.100 s, matching Sendmail Timeout.datablock/command default (1 h); '
                'cause client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after EHLO (a milter, a content filter, the '
                "application); as a mitigation, raise Sendmail confTO_COMMAND (3600.100 s here) above the client's "
                'stall'],
           49: ['Client silent for 3600.100 s after DATA (0 bytes), since frame 48',
                '421 4.4.1 after DATA (0 bytes): server gave up after 3600.100 s of client silence',
                'The server gave up after 3600.100 s, matching Sendmail Timeout.datablock/command default (1 h); '
                'cause client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                "application); as a mitigation, raise Sendmail confTO_DATABLOCK (3600.100 s here) above the client's "
                'stall'],
           60: ['Client silent for 60.030 s after DATA (0 bytes), since frame 59',
                '421 4.4.1 after DATA (0 bytes): server gave up after 60.030 s of client silence',
                'The server gave up after 60.030 s, matching Exchange Edge ConnectionInactivityTimeout default (1 '
                "min), below RFC 5321's 5-minute minimum; cause client-idle: the client was silent with nothing else "
                'on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                'application); as a mitigation, raise Exchange Set-ReceiveConnector -ConnectionInactivityTimeout '
                "(60.030 s here) above the client's stall"],
           71: ['Client silent for 180.020 s after DATA (0 bytes), since frame 70',
                '451 4.4.2 after DATA (0 bytes): server gave up after 180.020 s of client silence',
                "The server gave up after 180.020 s, below RFC 5321's 5-minute minimum; cause client-idle: the "
                'client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                "application); on the server side: nothing: the receiving service's timeout cannot be changed"],
           82: ['Client silent for 1200.050 s after DATA (0 bytes), since frame 81',
                '451 4.4.2 after DATA (0 bytes): server gave up after 1200.050 s of client silence',
                'The server gave up after 1200.050 s, matching qmail timeoutsmtpd default (1200 s); cause '
                'client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                'application); as a mitigation, raise qmail control/timeoutsmtpd (1200.050 s here) above the '
                "client's stall"],
           93: ['Client silent for 300.020 s after DATA (0 bytes), since frame 92',
                '421 after DATA (0 bytes): server gave up after 300.020 s of client silence',
                'The server gave up after 300.020 s, matching Haraka inactivity_timeout default (300 s); cause '
                'client-idle: the client was silent with nothing else on the wire',
                'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                'application); as a mitigation, raise Haraka inactivity_timeout in config/smtp.ini (300.020 s here) '
                "above the client's stall"],
           104: ['Client silent for 120.020 s after DATA (0 bytes), since frame 103',
                 '451 4.4.2 after DATA (0 bytes): server gave up after 120.020 s of client silence',
                 "The server gave up after 120.020 s, below RFC 5321's 5-minute minimum; cause client-idle: the "
                 'client was silent with nothing else on the wire',
                 'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                 "application); on the server side: nothing: the receiving service's timeout cannot be changed"],
           115: ['Client silent for 60.020 s after DATA (0 bytes), since frame 114',
                 '421 after DATA (0 bytes): server gave up after 60.020 s of client silence',
                 "The server gave up after 60.020 s, below RFC 5321's 5-minute minimum; cause client-idle: the "
                 'client was silent with nothing else on the wire',
                 'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                 'application); as a mitigation, raise the smtp-server socketTimeout option (60.020 s here) above '
                 "the client's stall"],
           126: ['Client silent for 300.020 s after DATA (0 bytes), since frame 125',
                 'Server closed the connection without a reply after DATA (0 bytes): it gave up after 300.020 s of '
                 'client silence',
                 "The server gave up after 300.020 s, matching OpenSMTPD's fixed session timeout (300 s); cause "
                 'client-idle: the client was silent with nothing else on the wire',
                 'Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the '
                 "application); on the server side: nothing: OpenSMTPD's 300 s timeout is fixed at build time"]}

CLASSES = {4: ['421 4.7.0 in reply to CONNECT: server ends the session, not a timeout',
               'The server ended the session with a reply of class capacity; cause unknown: the capture does not '
               'tell',
               'The server is at capacity: the client should retry later; on the server, check its connection limits '
               '(Postfix default_process_limit and smtpd_client_connection_count_limit, Exim smtp_accept_max)'],
           10: ['421 4.3.2 in reply to CONNECT: server ends the session, not a timeout',
                'The server ended the session with a reply of class capacity; cause unknown: the capture does not '
                'tell',
                'The server is at capacity: the client should retry later; on the server, check its connection '
                'limits (Postfix default_process_limit and smtpd_client_connection_count_limit, Exim '
                'smtp_accept_max)'],
           16: ['421 in reply to CONNECT: server ends the session, not a timeout',
                'The server ended the session with a reply of class capacity; cause unknown: the capture does not '
                'tell',
                'The server is at capacity: the client should retry later; on the server, check its connection '
                'limits (Postfix default_process_limit and smtpd_client_connection_count_limit, Exim '
                'smtp_accept_max)'],
           26: ['421 4.4.5 in reply to MAIL: server ends the session, not a timeout',
                'The server ended the session with a reply of class capacity; cause unknown: the capture does not '
                'tell',
                'The server is at capacity: the client should retry later; on the server, check its connection '
                'limits (Postfix default_process_limit and smtpd_client_connection_count_limit, Exim '
                'smtp_accept_max)'],
           38: ['421 4.7.0 in reply to UNKNOWN: server ends the session, not a timeout',
                'The server ended the session with a reply of class policy; cause unknown: the capture does not tell',
                'The server refused by policy: fix what its reply names on the client (errors, TLS, authorisation) '
                'before retrying'],
           50: ['421 4.7.0 in reply to RCPT: server ends the session, not a timeout',
                'The server ended the session with a reply of class policy; cause unknown: the capture does not tell',
                'The server refused by policy: fix what its reply names on the client (errors, TLS, authorisation) '
                'before retrying'],
           60: ['421 in reply to MAIL: server ends the session, not a timeout',
                'The server ended the session with a reply of class shutdown; cause unknown: the capture does not '
                'tell',
                'The server was shutting down: nothing to fix on the client, which should retry later'],
           70: ['421 in reply to MAIL: server ends the session, not a timeout',
                'The server ended the session with a reply of class shutdown; cause unknown: the capture does not '
                'tell',
                'The server was shutting down: nothing to fix on the client, which should retry later'],
           80: ['421 4.4.2 in reply to MAIL: server ends the session, not a timeout',
                'The server ended the session with a reply of class connection-dropped; cause unknown: the capture '
                'does not tell',
                'The connection itself failed: look for resets and TLS alerts around this reply, and check TLS '
                'versions on both sides'],
           92: ['421 4.3.0 in reply to END-OF-MESSAGE: server ends the session, not a timeout',
                'The server ended the session with a reply of class other; cause unknown: the capture does not tell',
                'The server ended the session for its own reasons: read its reply text and its log']}
