#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/dmarc_report_oracle.pl FILE.xml: reads an aggregate report with
# Mail::DMARC's own parser (Mail::DMARC::Report::Receive, the node handlers its
# handle_body() runs, without saving to its store) and prints what it understood:
#   domain=D id=I begin=B end=E rows=N count=M
# Used by tests/integration/dmarc_report_send_test.cpp as an independent oracle.
use strict;
use warnings;
use XML::LibXML;
use Mail::DMARC::Report::Receive;

my $xml = do { local $/; open my $f, '<', $ARGV[0] or die "$ARGV[0]: $!"; <$f> };
my $r = Mail::DMARC::Report::Receive->new;
$r->report->init();
my $dom = XML::LibXML->load_xml(string => $xml);
my ($meta) = $dom->findnodes('/feedback/report_metadata') or die "no /feedback/report_metadata\n";
$r->do_node_report_metadata($meta);
$r->do_node_policy_published($dom->findnodes('/feedback/policy_published'));
my ($rows, $count) = (0, 0);
foreach my $node ($dom->findnodes('/feedback/record')) {
  my $rec = $r->do_node_record($node);
  $rows++;
  $count += $rec->row->count;
}
my $m = $r->report->aggregate->metadata;
printf "domain=%s id=%s begin=%s end=%s rows=%d count=%d\n",
  $r->report->aggregate->policy_published->domain, $m->report_id, $m->begin, $m->end, $rows, $count;
